-- expect: VALUE_TOO_LARGE
-- shared: MEMORY_LIMIT
-- message: maxResultBytes
return function()
  local part = string.rep("r", 4 << 20)
  return { part, part, part }
end
