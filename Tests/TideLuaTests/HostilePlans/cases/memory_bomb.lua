-- expect: MEMORY_LIMIT
-- Big strings kept in a table until the memory cap stops it.
return function()
  local block = string.rep("x", 1024)
  local t = {}
  for i = 1, math.huge do t[i] = string.rep(block, 4096) .. i end
end
