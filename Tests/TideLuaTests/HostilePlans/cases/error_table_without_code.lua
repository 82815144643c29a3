-- expect: SCRIPT_ERROR
-- message: whose code is a number (5), not a string
return function()
  error { code = 5 }
end
