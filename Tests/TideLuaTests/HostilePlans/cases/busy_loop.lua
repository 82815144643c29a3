-- expect: SCRIPT_TIMEOUT
return function()
  while true do end
end
