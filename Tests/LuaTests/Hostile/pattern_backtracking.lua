-- expect: SANDBOX_VIOLATION
local s = string.rep('a', 600)
return s:find('.-.-.-b')
