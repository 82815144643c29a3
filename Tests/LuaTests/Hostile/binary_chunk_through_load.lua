-- expect: SCRIPT_ERROR
local f, err = load('\27Lua\84\0', 'x', 'b')
assert(f, err)
