-- expect: VALUE_TOO_LARGE
-- message: maxResultBytes
return function()
  local part = string.rep("r", 4 << 20)
  return { part, part, part }
end
