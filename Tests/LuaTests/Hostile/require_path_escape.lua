-- expect: SANDBOX_VIOLATION
return require '../../etc/passwd'
