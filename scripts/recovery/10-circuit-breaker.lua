-- Circuit breaker: when one error code fails too often within a window, stop the execution
-- instead of retrying into a broken dependency. Below the limit it declines (returns nil), so the
-- strategies after it decide. Change the numbers below while an execution runs: the next failure
-- is counted by the new version (which starts with a fresh count).
local LIMIT = 5        -- failures of one code ...
local WINDOW = 60      -- ... within this many seconds trip the breaker

local recent = {}      -- code -> list of failure times (seconds), this version only

return {
  id = "circuit-breaker",
  name = "Circuit breaker",
  description = string.format("aborts after more than %d failures of one error code within %d s", LIMIT, WINDOW),
  applicableErrors = { "*" },
  execute = function(context)
    local code, now = context.error.code, tide.now()
    local times = recent[code] or {}
    local kept = {}
    for _, t in ipairs(times) do
      if now - t < WINDOW then kept[#kept + 1] = t end
    end
    kept[#kept + 1] = now
    recent[code] = kept
    if #kept > LIMIT then
      tide.log.error(string.format("circuit open: %d %s failures within %d s", #kept, code, WINDOW))
      return { success = false, action = "ABORT",
               message = string.format("%d %s failures within %d s: circuit open", #kept, code, WINDOW) }
    end
    return nil
  end,
}
