-- expect: SANDBOX_VIOLATION
local proxy = setmetatable({}, { __len = function() return 1e9 end, __index = rawlen })
return table.concat(proxy)
