-- resources.lua: resource pools, requirements and priorities.
-- The plan declares its pools; each task asks for what it needs before it starts, and the
-- scheduler starts the highest priority tasks first when they compete. A task can also
-- allocate more while it runs (tide.allocate) and give it back early (tide.release).
--   tide run scripts/plans/resources.lua
local plan = require "tide.plan"

local function work(seconds)
  return function(ctx)
    ctx.progress("working")
    tide.sleep(seconds)
    return ctx.taskId
  end
end

return plan {
  id = "resources",
  concurrency = 8,
  pools = {
    { type = "computational", capacity = 4, costPerUnitSecond = 0.01 },
    { type = "gpu", capacity = 1, costPerUnitSecond = 0.5, attributes = { memory = 16384 } },
  },
  tasks = {
    { id = "prepare", priority = 9, resources = { { type = "computational", amount = 2 } }, run = work(0.05) },
    { id = "train", after = "prepare", priority = 8, timeout = "1m",
      resources = { { type = "gpu", amount = 1, constraints = { minMemory = 8192 } },
                    { type = "computational", amount = 2 } },
      run = function(ctx)
        local scratch = tide.allocate { type = "computational", amount = 1, priority = 8 }
        tide.log.info("training with extra " .. scratch[1].type, { resource = scratch[1].id })
        tide.sleep(0.05)
        tide.release(scratch)
        return { model = "v1", attempt = ctx.attempt }
      end },
    { id = "index", after = "prepare", priority = 3, resources = { { type = "computational", amount = 2 } },
      run = work(0.05) },
    { id = "thumbnails", after = "prepare", priority = 1, resources = { { type = "computational", amount = 2 } },
      run = work(0.05) },
    { id = "publish", after = { "train", "index", "thumbnails" }, priority = 10,
      run = function(ctx) return { model = ctx.results.train.model } end },
  },
}
