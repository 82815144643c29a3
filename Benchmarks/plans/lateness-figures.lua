-- Reads `tide run Benchmarks/plans/lateness.lua --json` on stdin; prints "p50 max" lateness in ms
-- of the 20 timeouts: when each failure was handled (its dependent's skip) minus when it fell due.
local function seconds(stamp)  -- 2026-12-02T05:40:38.454Z -> seconds within the day
  local h, m, s = stamp:match("T(%d+):(%d+):([%d.]+)Z")
  return tonumber(h) * 3600 + tonumber(m) * 60 + tonumber(s)
end
local started, skipped = {}, {}
for line in io.lines() do
  local id, stamp, kind = line:match('"taskId":"([%w]+)","timestamp":"([^"]+)","type":"([%u_]+)"')
  if id then
    local index = tonumber(id:match("^timed(%d+)$"))
    if index and kind == "TASK_STARTED" then started[index] = seconds(stamp) end
    index = tonumber(id:match("^after(%d+)$"))
    if index and kind == "TASK_FAILED" then skipped[index] = seconds(stamp) end
  end
end
local late = {}
for i = 1, 20 do
  if started[i] and skipped[i] then late[#late + 1] = (skipped[i] - started[i] - 0.05 * i) * 1000 end
end
table.sort(late)
if #late == 0 then print("nan nan") return end
print(string.format("%.0f %.0f", late[(#late + 1) // 2], late[#late]))
