-- expect: OK
return { [1] = 1, [1e9] = 2 }, { [2 ^ 53] = 1 }
