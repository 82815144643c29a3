// The umbrella module: `import Tide` gives the engine (TideCore) and the Lua bridge (TideLua).
@_exported public import TideCore
@_exported public import TideLua
