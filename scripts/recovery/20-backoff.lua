-- Exponential backoff with jitter for transient errors: wait, then retry, up to a cap.
-- The wait uses tide.sleep, so a task waiting to be retried holds no thread.
local MAX_RETRIES = 5
local BASE = 0.1       -- seconds before the first retry
local FACTOR = 2
local CAP = 10         -- the longest wait, in seconds
local JITTER = 0.2     -- each wait is spread by +/- 20 %

return {
  id = "backoff",
  name = "Exponential backoff",
  description = "retries transient errors with exponential backoff, jitter and a cap",
  applicableErrors = { "NETWORK_TIMEOUT", "CONNECTION_REFUSED", "TIMEOUT" },
  execute = function(context)
    local attempt = context.attempt          -- recovery decisions made for this task so far
    if attempt >= MAX_RETRIES then return nil end   -- give up: the next strategy decides
    local delay = math.min(BASE * FACTOR ^ attempt, CAP)
    delay = delay * (1 + JITTER * (2 * math.random() - 1))
    tide.sleep(delay)
    return { success = true, action = "RETRY",
             message = string.format("retry %d of %d after %.3f s", attempt + 1, MAX_RETRIES, delay) }
  end,
}
