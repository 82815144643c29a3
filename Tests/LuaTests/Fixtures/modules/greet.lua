-- A module for the require tests: returns a table, and counts how often its top level ran.
local M = {}
loads = (loads or 0) + 1
M.loads = loads
function M.hello(name) return "hello, " .. name end
return M
