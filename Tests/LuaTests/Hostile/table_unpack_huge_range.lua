-- expect: SANDBOX_VIOLATION
return table.unpack({}, 1, 1e7)
