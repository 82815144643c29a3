-- fanout.lua: fan-out / fan-in with real processes.
-- Eight tasks each run `wc -c` on their own input through tide.exec (a child process, no shell,
-- output captured); a final task adds up their answers.
--   tide run scripts/plans/fanout.lua
local plan = require "tide.plan"

local words = { "alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel" }

local shards = plan.each(words, function(word)
  return {
    id = "count-" .. word,
    timeout = "30s",
    run = function()
      local text = string.rep(word .. "\n", 1000)
      local r = tide.exec { "wc", "-c", stdin = text, timeout = "10s", check = true }
      return { word = word, bytes = tonumber(r.stdout:match("%d+")) }
    end,
  }
end)

return plan {
  id = "fanout",
  concurrency = 4,
  tasks = plan.concat({
    {
      id = "total",
      after = plan.ids(shards),
      run = function(ctx)
        local total = 0
        for _, result in pairs(ctx.results) do total = total + result.bytes end
        local r = tide.exec { "sh", "-c", 'echo "counted $TOTAL bytes"', env = { TOTAL = total } }
        tide.log.info((r.stdout:gsub("%s+$", "")))
        return total
      end,
    },
  }, shards),
}
