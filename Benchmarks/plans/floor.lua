-- The plain-Lua floor: the same DAGs, each body called through pcall in topological order, by a
-- bare lua5.4 interpreter. Usage: lua5.4 floor.lua w1|w2|w3 [rounds]
local here = arg[0]:match("^(.*)/") or "."
package.path = here .. "/?.lua;" .. package.path
local w = require "workloads"

local builders = {
  w1 = function(body) return w.independent(10000, body) end,
  w2 = function(body) return w.chain(1000, body) end,
  w3 = function(body) return w.layered(50, 50, body) end,
}

local function run(tasks)
  -- Kahn's algorithm: ready queue, remaining-dependency counts, dependents lists.
  local index, remaining, dependents = {}, {}, {}
  for i, task in ipairs(tasks) do index[task.id] = i end
  for i, task in ipairs(tasks) do
    local deps = task.after or {}
    remaining[i] = #deps
    for _, dep in ipairs(deps) do
      local d = index[dep]
      dependents[d] = dependents[d] or {}
      table.insert(dependents[d], i)
    end
  end
  local queue, head = {}, 1
  for i = 1, #tasks do if remaining[i] == 0 then queue[#queue + 1] = i end end
  local results, done = {}, 0 -- results are kept, as an engine keeps them for dependents
  while head <= #queue do
    local i = queue[head]
    head = head + 1
    local ok, result = pcall(tasks[i].run, { taskId = tasks[i].id })
    results[i] = ok and result or nil
    done = done + 1
    for _, j in ipairs(dependents[i] or {}) do
      remaining[j] = remaining[j] - 1
      if remaining[j] == 0 then queue[#queue + 1] = j end
    end
  end
  return done, results
end

local name, rounds = arg[1] or "w1", tonumber(arg[2] or "5")
local best = math.huge
local count = 0
for _ = 1, rounds do
  local tasks = builders[name](function() end)
  local start = os.clock()
  count = run(tasks)
  best = math.min(best, os.clock() - start)
end
print(string.format("%s floor: %d tasks in %.6f s = %.0f tasks/s (%.3f us/task)", name, count, best, count / best,
  best / count * 1e6))
