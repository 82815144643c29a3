-- expect: SANDBOX_VIOLATION
return io.open('/etc/passwd')
