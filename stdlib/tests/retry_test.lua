-- Tests of tide.retry, run as a plan by Tests/TideLuaTests/StdlibTests.swift.
local plan = require "tide.plan"
local retry = require "tide.retry"

local function checkerr(pattern, fn, ...)
  local ok, err = pcall(fn, ...)
  assert(not ok, "expected an error matching '" .. pattern .. "'")
  local text = type(err) == "table" and (err.code .. ": " .. tostring(err.message)) or tostring(err)
  assert(text:find(pattern), "error '" .. text .. "' does not match '" .. pattern .. "'")
end

local function flaky(failures, code)
  local calls = 0
  return function()
    calls = calls + 1
    if calls <= failures then error { code = code, message = "call " .. calls, recoverable = true } end
    return calls
  end
end

local tests = {
  call_whenTheStepRecovers_returnsItsResult = function()
    assert(retry.call({ attempts = 3, delay = "1ms", on = { "NETWORK_TIMEOUT" } }, flaky(2, "NETWORK_TIMEOUT")) == 3)
  end,
  call_withoutOn_retriesRecoverableErrors = function()
    assert(retry.call({ attempts = 2, delay = 0.001 }, flaky(1, "ANY")) == 2)
  end,
  call_whenAttemptsRunOut_raisesTheLastErrorUnchanged = function()
    checkerr("NETWORK_TIMEOUT: call 2", retry.call, { attempts = 2, delay = "1ms" }, flaky(5, "NETWORK_TIMEOUT"))
  end,
  call_whenTheCodeIsNotListed_doesNotRetry = function()
    checkerr("DISK_FULL: call 1", retry.call, { attempts = 5, delay = "1ms", on = { "NETWORK_TIMEOUT" } },
      flaky(1, "DISK_FULL"))
  end,
  call_whenOptionsAreWrong_raisesAtTheCaller = function()
    checkerr("retry_test.lua:%d+: tide.retry: delay \"soon\" is not a duration",
      function() retry.call({ delay = "soon" }, print) end)
    checkerr("tide.retry.call: fn must be a function", retry.call, {}, 42)
  end,
  classify_readsCodeAndRecoverable = function()
    local code, recoverable = retry.classify { code = "X", recoverable = true }
    assert(code == "X" and recoverable == true)
    code, recoverable = retry.classify "plain"
    assert(code == "SCRIPT_ERROR" and recoverable == false)
  end,
  wrap_retriesEveryCall = function()
    local fetch = retry.wrap({ attempts = 3, delay = "1ms" }, flaky(1, "ANY"))
    assert(fetch() == 2)
  end,
}

local tasks = {}
for name, test in pairs(tests) do tasks[#tasks + 1] = { id = name, run = test } end
return plan { id = "retry_test", failurePolicy = "continue", tasks = tasks }
