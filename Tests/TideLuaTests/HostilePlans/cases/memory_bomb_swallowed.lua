-- expect: SCRIPT_TIMEOUT
-- Memory errors swallowed by pcall in a loop: the time budget ends the task; the memory stays capped.
return function()
  local keep = {}
  for i = 1, math.huge do
    pcall(function() keep[#keep + 1] = string.rep("y", 65536) .. i end)
  end
end
