-- 2,000 independent no-op tasks, for the cost of automatic checkpoints (dev/bench-plans.sh runs it
-- with and without --checkpoint-every 10): each checkpoint is a record of what changed since the
-- one before, so 200 of them should cost little next to the run itself.
local tasks = {}
for i = 1, 2000 do
  tasks[i] = { id = "t" .. i, run = function() return i end }
end
return { id = "checkpoints", concurrency = 8, tasks = tasks }
