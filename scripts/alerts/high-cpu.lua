-- High CPU: when this process has used more than 90 % of a core for 30 s, run fewer tasks at once
-- (the spec's auto-scaling), and say so.
local REDUCED_CONCURRENCY = 2

return {
  id = "high-cpu",
  condition = { metric = "cpu_usage", operator = ">", threshold = 90, duration = "30s" },
  handle = function(alert)
    tide.log.warning(string.format("CPU at %.0f %% for 30 s: running at most %d tasks at once",
      alert.value, REDUCED_CONCURRENCY))
    tide.setConcurrency(alert.executionId, REDUCED_CONCURRENCY)
  end,
}
