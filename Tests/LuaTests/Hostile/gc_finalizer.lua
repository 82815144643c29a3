-- expect: SANDBOX_VIOLATION
setmetatable({}, { __gc = function() while true do end end })
