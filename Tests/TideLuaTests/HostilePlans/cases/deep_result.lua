-- expect: INVALID_VALUE
-- message: levels deep
return function()
  local root = {}
  local t = root
  for _ = 1, 500 do t.next = {}; t = t.next end
  return root
end
