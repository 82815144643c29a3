-- W4: 200 tasks each sleeping 50 ms at concurrency 50 (ideal: 4 waves x 50 ms = 0.2 s).
local w = require "workloads"
return { id = "w4", concurrency = 50, tasks = w.independent(200, function() tide.sleep(0.05) end) }
