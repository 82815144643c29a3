-- expect: SANDBOX_VIOLATION
return load('return os')().execute('true')
