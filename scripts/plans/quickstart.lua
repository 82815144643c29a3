-- quickstart.lua: three tasks, a dependency, logs, task state and results.
--   tide run scripts/plans/quickstart.lua
local plan = require "tide.plan"

return plan {
  id = "quickstart",
  name = "Quick start",
  variables = { greeting = "hello" },
  tasks = {
    {
      id = "extract",
      run = function(ctx)
        tide.log.info("extracting rows")
        ctx.state.rows = 42                      -- per-task state, kept in checkpoints
        ctx.progress("extracting")
        tide.sleep("50ms")                       -- yields: other tasks run meanwhile
        return { rows = ctx.state.rows }
      end,
    },
    {
      id = "transform",
      after = { "extract" },
      run = function(ctx)
        local rows = ctx.results.extract.rows
        ctx.quality(0.95)                        -- feeds the execution's qualityScore
        tide.emit("transformed", { rows = rows })
        return { rows = rows, doubled = rows * 2 }
      end,
    },
    {
      id = "report",
      after = "transform",
      run = function(ctx)
        local message = string.format("%s: %d rows", ctx.vars.greeting, ctx.results.transform.doubled)
        tide.log.info(message)
        return message
      end,
    },
  },
}
