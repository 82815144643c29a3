-- expect: SCRIPT_ERROR
getmetatable('').__index.upper = function() return 'pwned' end
