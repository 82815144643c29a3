-- expect: QUOTA_EXCEEDED
-- shared: QUOTA_EXCEEDED
-- message: maxMessages
return function()
  for i = 1, 2000000 do print("line", i) end
end
