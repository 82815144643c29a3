-- expect: SCRIPT_ERROR
return 1 // 0
