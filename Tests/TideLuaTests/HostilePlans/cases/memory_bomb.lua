-- expect: MEMORY_LIMIT
return function()
  local t = {}
  for i = 1, math.huge do t[i] = string.rep("x", 1 << 20) .. i end
end
