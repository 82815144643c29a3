-- expect: OK
-- shared: QUOTA_EXCEEDED MEMORY_LIMIT
-- One 4 MiB message (a task builds it twice over within its 16 MiB share of memory) is cut to
-- maxMessageBytes, not printed whole.
return function()
  tide.log.info(string.rep(("m"):rep(1024), 4 << 10))
  print(string.rep(("p"):rep(1024), 4 << 10))
  return "cut"
end
