// The umbrella module: `import Tide` gives the engine (TideCore), the Lua bridge (TideLua) and the
// Lua host layer its API is written in (Lua: LuaValue, LuaError, LuaLimits, …), and the durable
// store (TideStore).
@_exported public import Lua
@_exported public import TideCore
@_exported public import TideLua
@_exported public import TideStore
