-- expect: PROCESS_TIMEOUT
-- A child that ignores SIGTERM and runs past its timeout: it is killed, with what it started.
return function(ctx)
  tide.exec { "sh", "-c", "trap '' TERM; sleep \"$1\" & wait", "sh", ctx.vars.marker, timeout = 0.3 }
end
