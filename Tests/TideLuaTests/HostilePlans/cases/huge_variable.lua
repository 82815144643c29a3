-- expect: VALUE_TOO_LARGE
-- shared: MEMORY_LIMIT
-- message: ctx.vars.blob
return function(ctx)
  ctx.vars.blob = { string.rep(("v"):rep(1024), 4 << 10), string.rep(("w"):rep(1024), 4 << 10) }
end
