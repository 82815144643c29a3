--- tide.retry: retry a step inside a task, with exponential backoff and jitter.
--
--   local retry = require "tide.retry"
--   local body = retry.call({ attempts = 5, delay = "200ms", maxDelay = "5s", on = { "NETWORK_TIMEOUT" } },
--     function() return fetch() end)
--
-- Errors are classified as the engine classifies them: an error table's `code`
-- (`error { code = "NETWORK_TIMEOUT", recoverable = true }`), or SCRIPT_ERROR for a plain error.
-- Without `on`, errors marked `recoverable = true` are retried. Waiting uses tide.sleep, so a
-- retrying task holds no thread. Time limits and cancellation are never caught.

local M = {}

local DEFAULTS = { attempts = 3, delay = 0.1, maxDelay = 10, factor = 2, jitter = 0.2 }

local function seconds(value, name)
  if type(value) == "number" then return value end
  if type(value) ~= "string" then
    error("tide.retry: " .. name .. " must be seconds or a duration string like \"200ms\", got " .. type(value), 3)
  end
  local total, rest = 0, value
  local units = { ms = 0.001, s = 1, m = 60, h = 3600 }
  while rest ~= "" do
    local number, unit, tail = rest:match("^%s*([%d%.]+)%s*(%a+)(.*)$")
    if not number or not units[unit] or not tonumber(number) then
      error("tide.retry: " .. name .. " \"" .. value .. "\" is not a duration (write \"200ms\", \"2s\", \"1m\")", 3)
    end
    total = total + tonumber(number) * units[unit]
    rest = tail
  end
  return total
end

--- The code and recoverable flag of an error value.
function M.classify(err)
  if type(err) == "table" then
    return err.code or "SCRIPT_ERROR", err.recoverable == true
  end
  return "SCRIPT_ERROR", false
end

local function should_retry(options, err)
  local code, recoverable = M.classify(err)
  if code == "SCRIPT_TIMEOUT" or code == "CANCELLED" or code == "MEMORY_LIMIT" then return false, code end
  if options.on == nil then return recoverable, code end
  for _, wanted in ipairs(options.on) do
    if wanted == code then return true, code end
  end
  return false, code
end

--- Calls `fn(...)`; on a retryable error waits and calls it again, up to `attempts` calls.
-- Options: attempts (3), delay (0.1 s) before the first retry, factor (2), maxDelay (10 s),
-- jitter (0.2: ±20 % of each delay), on (a list of error codes; default: recoverable errors).
-- Returns what `fn` returns; after the last attempt raises its error unchanged.
function M.call(options, fn, ...)
  if type(options) ~= "table" then error("tide.retry.call: options must be a table", 2) end
  if type(fn) ~= "function" then error("tide.retry.call: fn must be a function, got " .. type(fn), 2) end
  local attempts = options.attempts or DEFAULTS.attempts
  local delay = seconds(options.delay or DEFAULTS.delay, "delay")
  local max_delay = seconds(options.maxDelay or DEFAULTS.maxDelay, "maxDelay")
  local factor = options.factor or DEFAULTS.factor
  local jitter = options.jitter or DEFAULTS.jitter
  for attempt = 1, attempts do
    local results = table.pack(pcall(fn, ...))
    if results[1] then return table.unpack(results, 2, results.n) end
    local err = results[2]
    local retry, code = should_retry(options, err)
    if not retry or attempt == attempts then error(err, 0) end
    local wait = math.min(delay * factor ^ (attempt - 1), max_delay)
    wait = wait * (1 + jitter * (2 * math.random() - 1))
    tide.log.warning(string.format("attempt %d of %d failed with %s; retrying in %.3fs", attempt, attempts, code, wait),
      { code = code, attempt = attempt })
    tide.sleep(wait)
  end
end

--- A function that calls `fn` with `options` each time: `local fetch = retry.wrap(opts, fetch)`.
function M.wrap(options, fn)
  return function(...) return M.call(options, fn, ...) end
end

return M
