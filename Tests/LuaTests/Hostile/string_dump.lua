-- expect: SANDBOX_VIOLATION
return load(string.dump(function() end))
