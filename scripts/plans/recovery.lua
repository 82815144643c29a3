-- recovery.lua: a plan whose steps fail and recover.
-- * "fetch" calls a flaky source that times out twice; tide.retry waits with backoff (tide.sleep,
--   so nothing is blocked) and the third call succeeds.
-- * "probe" runs a command that fails; the task sees the exit code and falls back to a default.
-- * "enrich" calls a service whose quota is used up (a classified error); it catches the error,
--   carries on without enrichment and reports a lower quality (the execution's qualityScore).
-- failurePolicy = "continue": if a task still failed for good, independent branches would finish.
--   tide run scripts/plans/recovery.lua
local plan = require "tide.plan"
local retry = require "tide.retry"

local calls = 0
local function flaky_source()
  calls = calls + 1
  if calls <= 2 then
    error { code = "NETWORK_TIMEOUT", message = "upstream did not answer (call " .. calls .. ")", recoverable = true }
  end
  return { items = 3 }
end

return plan {
  id = "recovery",
  failurePolicy = "continue",
  tasks = {
    { id = "fetch",
      run = function()
        return retry.call({ attempts = 4, delay = "20ms", on = { "NETWORK_TIMEOUT" } }, flaky_source)
      end },
    { id = "probe",
      run = function()
        local r = tide.exec { "sh", "-c", "echo 'disk not mounted' >&2; exit 3" }
        if r.code ~= 0 then
          tide.log.warning("probe failed (" .. r.stderr:gsub("%s+$", "") .. "); using the default size")
          tide.emit("fallback used", { code = r.code })
          return { size = 100, fallback = true }
        end
        return { size = tonumber(r.stdout) }
      end },
    { id = "enrich", after = "fetch", optional = true,
      run = function(ctx)
        local ok, err = pcall(function()
          error { code = "QUOTA_EXCEEDED", message = "enrichment quota used up for today", recoverable = false }
        end)
        if not ok then
          tide.log.warning("enrichment skipped: " .. err.message, { code = err.code })
          ctx.quality(0.5)
          return { items = ctx.results.fetch.items, enriched = false }
        end
      end },
    { id = "report", after = { "fetch", "probe" },
      run = function(ctx)
        return { items = ctx.results.fetch.items, size = ctx.results.probe.size }
      end },
  },
}
