-- expect: SCRIPT_ERROR
error(string.rep('x', 5e6))
