-- expect: QUOTA_EXCEEDED
-- message: maxEvents
-- Two million events, each error swallowed: the quota ends the task anyway.
return function()
  for i = 1, 2000000 do pcall(tide.emit, "event " .. i, { i = i }) end
  return "the loop finished"
end
