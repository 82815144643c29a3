-- expect: OK
-- shared: MEMORY_LIMIT
-- A child that exits at once without reading 100 KB of input.
return function()
  for _ = 1, 5 do
    local r = tide.exec { "true", stdin = string.rep("x", 100000) }
    assert(r.code == 0, "true exited with " .. r.code)
  end
  return "survived"
end
