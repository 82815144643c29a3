-- expect: SCRIPT_ERROR
local f, err = load('return ' .. ('('):rep(1e5) .. '1' .. (')'):rep(1e5))
assert(f, err)
