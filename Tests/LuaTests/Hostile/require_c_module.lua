-- expect: MODULE_NOT_FOUND
return require 'ffi'
