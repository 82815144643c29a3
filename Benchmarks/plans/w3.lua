-- W3: 50 layers x 50 no-op tasks, 3 dependencies each.
local w = require "workloads"
return { id = "w3", tasks = w.layered(50, 50, function() end) }
