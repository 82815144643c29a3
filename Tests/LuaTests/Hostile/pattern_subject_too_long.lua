-- expect: SANDBOX_VIOLATION
local s = string.rep('a', 2 ^ 21)
return s:gsub('a', 'b')
