-- expect: VALUE_TOO_LARGE
-- shared: MEMORY_LIMIT
-- message: maxStateBytes
return function(ctx)
  local part = string.rep(("s"):rep(1024), 4 << 10)
  ctx.state.parts = { part, part, part }
  tide.sleep(0)
end
