-- expect: SCRIPT_TIMEOUT
coroutine.wrap(function() while true do end end)()
