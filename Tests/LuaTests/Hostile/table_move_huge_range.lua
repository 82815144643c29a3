-- expect: SANDBOX_VIOLATION
table.move({}, 1, 3e8, 1, {})
