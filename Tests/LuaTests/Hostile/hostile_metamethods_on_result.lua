-- expect: OK
return setmetatable({ 1, 2 }, {
  __index = function() error('boom') end,
  __pairs = function() while true do end end,
  __len = function() while true do end end,
})
