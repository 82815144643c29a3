-- expect: SANDBOX_VIOLATION
-- message: tide.sleep is read-only
return function()
  tide.sleep = function() error("poisoned") end
end
