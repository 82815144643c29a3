-- expect: OK
-- A double fork: the grandchild is re-parented when its parent exits; it must not outlive the attempt.
return function(ctx)
  local r = tide.exec { "sh", "-c", "(sh -c 'sleep \"$1\" &' sh \"$1\" &); echo started", "sh", ctx.vars.marker }
  return r.stdout
end
