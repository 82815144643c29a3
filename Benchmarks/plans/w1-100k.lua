-- 100,000 independent no-op tasks: the memory benchmark.
local w = require "workloads"
return { id = "w1-100k", tasks = w.independent(100000, function() end) }
