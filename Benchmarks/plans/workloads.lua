-- The engine-core benchmark's workloads as task lists, shared by the Tide plans (w*.lua) and the
-- plain-Lua floor (floor.lua). `body` is the function every task runs.
local M = {}

--- W1: `count` independent tasks.
function M.independent(count, body)
  local tasks = {}
  for i = 1, count do tasks[i] = { id = "T" .. i, run = body } end
  return tasks
end

--- W2: a chain of `count` tasks, each after the one before.
function M.chain(count, body)
  local tasks = {}
  for i = 1, count do
    tasks[i] = { id = "T" .. i, after = i > 1 and { "T" .. (i - 1) } or nil, run = body }
  end
  return tasks
end

--- W3: `layers` layers of `width` tasks; task i of a layer depends on tasks i, i+1, i+2 (mod width)
-- of the layer before.
function M.layered(layers, width, body)
  local tasks = {}
  for layer = 0, layers - 1 do
    for index = 0, width - 1 do
      local after
      if layer > 0 then
        after = {}
        for k = 0, 2 do after[k + 1] = "L" .. (layer - 1) .. "T" .. ((index + k) % width) end
      end
      tasks[#tasks + 1] = { id = "L" .. layer .. "T" .. index, after = after, run = body }
    end
  end
  return tasks
end

return M
