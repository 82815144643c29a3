-- expect: SANDBOX_VIOLATION
-- message: tide.retry.call is read-only
return function()
  local retry = require "tide.retry"
  retry.call = function() error("poisoned") end
end
