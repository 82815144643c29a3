-- Timeouts beside a hog (dev/bench-plans.sh): a busy loop of about a second of Lua, and 20 tasks
-- whose timeouts fall due at 50 ms, 100 ms, ... 1 s while it runs; each is followed by a task that
-- is skipped once its failure is handled. Lateness: the skip's time minus the timeout's due time.
local tasks = { { id = "hog", run = function() local x = 0 for i = 1, 3e8 do x = x + i end return x end } }
for i = 1, 20 do
  tasks[#tasks + 1] = { id = "timed" .. i, timeout = 0.05 * i, run = function() tide.sleep(30) end }
  tasks[#tasks + 1] = { id = "after" .. i, after = { "timed" .. i }, run = function() end }
end
return {
  id = "lateness", failurePolicy = "continue", concurrency = 64, tasks = tasks,
  limits = { runTime = "60s" },
}
