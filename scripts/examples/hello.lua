-- hello.lua: a first script for Tide's Lua sandbox.
--
-- Contract: takes no input; waits on the host with sleep() (the coroutine is suspended, no thread
-- is blocked), then returns a greeting and a summary table. Raises nothing on its own.
-- Run it: dev/quickstart.sh   (or: swift run tide-lua-probe scripts/examples/hello.lua)

local words = {}
for word in ("tide runs plans written in lua"):gmatch("%a+") do
  words[#words + 1] = word
end

local started = os.clock()
sleep(0.1)

return "hello from the sandbox", {
  words = #words,
  longest = (function()
    table.sort(words, function(a, b) return #a > #b end)
    return words[1]
  end)(),
  -- os.clock() is CPU time: waiting in sleep() uses none
  sleptWithoutCpu = os.clock() - started < 0.05,
}
