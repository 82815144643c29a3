-- expect: SANDBOX_VIOLATION
return string.rep('x', 2 ^ 30)
