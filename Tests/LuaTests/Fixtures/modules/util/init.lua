-- A package-style module (util/init.lua) that requires a sibling module.
local greet = require "greet"
return { shout = function(name) return greet.hello(name):upper() end }
