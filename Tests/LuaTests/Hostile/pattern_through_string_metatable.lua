-- expect: SANDBOX_VIOLATION
local s = ('a'):rep(400)
return s:match('(.*)(.*)(.*)(.*)b')
