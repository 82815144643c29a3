--- tide.plan: declare an execution plan.
--
--   local plan = require "tide.plan"
--   return plan {
--     id = "nightly-etl", concurrency = 4,
--     tasks = {
--       { id = "extract", run = function(ctx) return { rows = 42 } end },
--       { id = "load", after = { "extract" }, run = function(ctx) return ctx.results.extract.rows end },
--     },
--   }
--
-- The engine checks every field when the plan file returns and reports every mistake at once;
-- this module offers helpers for building task lists.

local M = {}

--- Returns `spec`: `plan { … }` and `plan.new { … }` mark the table a plan file returns.
-- The engine checks the whole table when the file returns (a plan file usually ends with
-- `return plan { … }`, a tail call, so a mistake is reported there, at the task's own line).
function M.new(spec)
  return spec
end

--- Fan-out: calls `make(item, index)` for each item of `items` and returns the list of tasks it
-- builds (a `nil` result is skipped).
--
--   local shards = plan.each({ "a", "b", "c" }, function(name)
--     return { id = "shard-" .. name, run = function() return name end }
--   end)
function M.each(items, make)
  if type(items) ~= "table" then error("plan.each: items must be a list, got " .. type(items), 2) end
  if type(make) ~= "function" then error("plan.each: make must be a function, got " .. type(make), 2) end
  local tasks = {}
  for index, item in ipairs(items) do
    local task = make(item, index)
    if task ~= nil then tasks[#tasks + 1] = task end
  end
  return tasks
end

--- The ids of a list of tasks, for a fan-in task's `after`.
function M.ids(tasks)
  if type(tasks) ~= "table" then error("plan.ids: tasks must be a list of task tables, got " .. type(tasks), 2) end
  local ids = {}
  for index, task in ipairs(tasks) do
    if type(task) ~= "table" or type(task.id) ~= "string" then
      error("plan.ids: task #" .. index .. " has no string id", 2)
    end
    ids[index] = task.id
  end
  return ids
end

--- Appends the tasks of every list given to `list` and returns it.
function M.concat(list, ...)
  for i = 1, select("#", ...) do
    local more = select(i, ...)
    for _, task in ipairs(more) do list[#list + 1] = task end
  end
  return list
end

return setmetatable(M, {
  __call = function(_, spec) return spec end,
})
