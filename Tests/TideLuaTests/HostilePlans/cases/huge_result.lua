-- expect: VALUE_TOO_LARGE
-- shared: MEMORY_LIMIT
-- message: maxResultBytes
return function()
  local part = string.rep(("r"):rep(1024), 4 << 10)
  return { part, part, part }
end
