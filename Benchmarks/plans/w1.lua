-- W1: 10,000 independent no-op tasks (tide run Benchmarks/plans/w1.lua --quiet).
local w = require "workloads"
return { id = "w1", tasks = w.independent(10000, function() end) }
