-- expect: PROCESS_TIMEOUT
-- A child that ignores SIGTERM and runs past its timeout: it is killed, with what it started.
return function()
  tide.exec { "sh", "-c", "trap '' TERM; sleep 4242.4242 & wait", timeout = 0.3 }
end
