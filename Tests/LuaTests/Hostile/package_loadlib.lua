-- expect: SANDBOX_VIOLATION
return package.loadlib('libc.so.6', 'system')
