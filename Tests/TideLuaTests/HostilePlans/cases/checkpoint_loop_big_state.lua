-- expect: MEMORY_LIMIT
-- A large state checkpointed in a loop: each copy a checkpoint keeps counts against the memory
-- budget, so the loop ends long before the host grows.
return function(ctx)
  local rows = {}
  local pad = string.rep("-", 200)
  for i = 1, 10000 do rows[i] = pad .. i end
  ctx.state.rows = rows
  for i = 1, 1000 do
    ctx.state.round = i
    tide.checkpoint { round = i }
  end
end
