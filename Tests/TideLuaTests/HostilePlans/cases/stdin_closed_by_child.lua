-- expect: OK
-- shared: MEMORY_LIMIT
-- A child that closes its standard input while 4 MiB wait to be written: tide must not die of SIGPIPE.
return function()
  local r = tide.exec { "sh", "-c", "exec 0<&-; sleep 0.2", stdin = string.rep(("x"):rep(1024), 4 << 10) }
  assert(r.code == 0 and r.stdinClosed == true, "expected code 0 and stdinClosed")
  return "stdinClosed"
end
