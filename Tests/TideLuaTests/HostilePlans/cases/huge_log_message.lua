-- expect: OK
-- shared: QUOTA_EXCEEDED MEMORY_LIMIT
-- One 64 MiB message is cut to maxMessageBytes, not printed whole.
return function()
  tide.log.info(string.rep(("m"):rep(1024), 16 << 10) .. string.rep(("m"):rep(1024), 16 << 10))
  print(string.rep(("p"):rep(1024), 16 << 10))
  return "cut"
end
