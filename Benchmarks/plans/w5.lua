-- W5: 1,000 sequential no-op tasks; with the store, each completion is committed before the next starts.
local w = require "workloads"
return { id = "w5", tasks = w.chain(1000, function() end) }
