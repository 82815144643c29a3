-- expect: INVALID_VALUE
-- message: result.a.b.back is a table that contains itself
return function()
  local t = { a = { b = {} } }
  t.a.b.back = t.a
  return t
end
