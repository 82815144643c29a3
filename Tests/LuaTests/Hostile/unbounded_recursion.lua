-- expect: MEMORY_LIMIT
local function f() return 1 + f() end
return f()
