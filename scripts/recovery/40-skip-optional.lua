-- Skip optional tasks: a task marked `optional = true` that fails is skipped, and its dependents
-- run without its result.
return {
  id = "skip-optional",
  name = "Skip optional tasks",
  description = "skips a failed task marked optional",
  applicableErrors = { "*" },
  execute = function(context)
    local task = context.task
    if task == nil or not task.optional then return nil end
    return { success = true, action = "SKIP", message = "'" .. task.id .. "' is optional: skipped" }
  end,
}
