-- Retries FLAKY failures at once, without waiting: the benchmark W6 (Benchmarks/plans/w6.lua).
return {
  id = "retry-now",
  name = "Retry at once",
  description = "retries FLAKY failures immediately",
  applicableErrors = { "FLAKY" },
  execute = function()
    return { success = true, action = "RETRY", message = "again" }
  end,
}
