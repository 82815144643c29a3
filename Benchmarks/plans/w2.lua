-- W2: a chain of 1,000 no-op tasks.
local w = require "workloads"
return { id = "w2", tasks = w.chain(1000, function() end) }
