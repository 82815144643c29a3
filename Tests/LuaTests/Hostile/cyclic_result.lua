-- expect: INVALID_VALUE
local t = {}
t.self = t
return t
