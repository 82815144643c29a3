-- Fallback: a task that declares a `fallback` function runs it instead when it fails; if the
-- fallback fails too, this strategy declines and the next one decides.
local tried = {}   -- "executionId/taskId" -> true once the fallback was chosen (this version)

return {
  id = "fallback",
  name = "Fallback",
  description = "runs a task's fallback when it has one",
  applicableErrors = { "*" },
  execute = function(context)
    local task = context.task
    if task == nil or not task.hasFallback then return nil end
    local key = context.executionId .. "/" .. task.id
    if tried[key] then return nil end
    tried[key] = true
    return { success = true, action = "FALLBACK",
             message = "running the fallback of '" .. task.id .. "' after " .. context.error.code }
  end,
}
