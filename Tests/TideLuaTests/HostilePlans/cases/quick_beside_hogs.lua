-- expect: OK
-- A quick task beside the busy loops and bombs: it gets its turn and completes.
return function()
  local sum = 0
  for i = 1, 1000 do sum = sum + i end
  tide.sleep(0.01)
  return sum
end
