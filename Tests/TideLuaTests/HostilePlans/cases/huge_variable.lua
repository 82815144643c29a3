-- expect: VALUE_TOO_LARGE
-- shared: MEMORY_LIMIT
-- message: ctx.vars.blob
return function(ctx)
  ctx.vars.blob = { string.rep("v", 4 << 20), string.rep("w", 4 << 20) }
end
