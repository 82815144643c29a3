-- expect: SCRIPT_ERROR
local t = setmetatable({}, {})
getmetatable(t).__index = function(self, k) return self[k] end
return t.x
