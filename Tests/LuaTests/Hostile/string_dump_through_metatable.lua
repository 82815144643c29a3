-- expect: SCRIPT_ERROR
return ('').dump(function() end)
