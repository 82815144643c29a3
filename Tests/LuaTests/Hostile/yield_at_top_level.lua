-- expect: SCRIPT_ERROR
coroutine.yield()
