-- expect: INVALID_VALUE
-- message: ctx.state.deep.inner.fn
return function(ctx)
  ctx.state.deep = { inner = { fn = function() end } }
  tide.sleep(0)
end
