-- expect: OK
-- shared: QUOTA_EXCEEDED MEMORY_LIMIT
-- One 64 MiB message is cut to maxMessageBytes, not printed whole.
return function()
  tide.log.info(string.rep("m", 16 << 20) .. string.rep("m", 16 << 20))
  print(string.rep("p", 16 << 20))
  return "cut"
end
