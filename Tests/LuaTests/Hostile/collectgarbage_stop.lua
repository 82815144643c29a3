-- expect: SANDBOX_VIOLATION
collectgarbage('stop')
