-- expect: OK
-- A child that starts a daemon in a session of its own and exits: the daemon must not outlive the
-- attempt (the process-group kill alone misses it).
return function(ctx)
  local r = tide.exec { "sh", "-c", "setsid sleep \"$1\" >/dev/null 2>&1 & echo started", "sh", ctx.vars.marker }
  return r.stdout
end
