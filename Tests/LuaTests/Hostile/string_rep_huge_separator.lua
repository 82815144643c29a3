-- expect: SANDBOX_VIOLATION
return ('x'):rep(1e8, ',')
