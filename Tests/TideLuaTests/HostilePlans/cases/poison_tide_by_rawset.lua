-- expect: SANDBOX_VIOLATION
-- message: tide.log is read-only
return function()
  rawset(tide, "log", { info = function() error("poisoned") end })
end
