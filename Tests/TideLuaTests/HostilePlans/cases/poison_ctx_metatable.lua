-- expect: SANDBOX_VIOLATION
-- message: ctx.quality is read-only
return function(ctx)
  assert(getmetatable(ctx) == false, "the metatable of ctx is reachable")
  ctx.quality = function() end
end
