-- expect: MEMORY_LIMIT
local t = {}
for i = 1, 1e7 do t[i] = coroutine.create(function() end) end
