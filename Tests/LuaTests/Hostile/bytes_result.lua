-- expect: OK
return 'a\0b\255'
