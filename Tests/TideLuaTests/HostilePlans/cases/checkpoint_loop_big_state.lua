-- expect: MEMORY_LIMIT
-- A large state rewritten and checkpointed in a loop: each version a checkpoint keeps counts
-- against the memory budget, so the loop ends long before the host grows. (Fields that do not
-- change are shared between versions and counted once.) Few large rows: little Lua time, so that
-- the memory budget, not the time limit, ends it even on a loaded machine.
return function(ctx)
  local pad = string.rep("-", 100000)
  for round = 1, 1000 do
    local rows = {}
    for i = 1, 10 do rows[i] = pad .. round .. ":" .. i end
    ctx.state.rows = rows
    tide.checkpoint { round = round }
  end
end
