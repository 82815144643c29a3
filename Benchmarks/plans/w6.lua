-- W6: a chain of 500 tasks, each failing its first attempt with FLAKY and retried at once by
-- Benchmarks/recovery/retry.lua (tide run Benchmarks/plans/w6.lua --recovery Benchmarks/recovery):
-- what it costs that a retry starts only after the failed attempt is committed.
local w = require "workloads"
return { id = "w6", tasks = w.chain(500, function(ctx)
  if ctx.attempt == 1 then error { code = "FLAKY", message = "first attempt" } end
end) }
