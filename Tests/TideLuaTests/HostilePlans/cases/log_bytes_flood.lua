-- expect: QUOTA_EXCEEDED
-- shared: QUOTA_EXCEEDED
-- message: maxLogBytes
-- Few messages, each as long as allowed: the byte quota ends it.
return function()
  local text = string.rep("b", 4000)
  for _ = 1, 100000 do tide.log.warning(text) end
end
