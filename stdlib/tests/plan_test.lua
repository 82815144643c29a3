-- Tests of tide.plan, run as a plan by Tests/TideLuaTests/StdlibTests.swift: each task is one
-- test; a failing check raises with the line of the check.
local plan = require "tide.plan"

local function checkerr(pattern, fn, ...)
  local ok, err = pcall(fn, ...)
  assert(not ok, "expected an error matching '" .. pattern .. "'")
  assert(tostring(err):find(pattern), "error '" .. tostring(err) .. "' does not match '" .. pattern .. "'")
end

local tests = {
  call_returnsTheSpec = function()
    local spec = { id = "x", tasks = {} }
    assert(plan(spec) == spec and plan.new(spec) == spec)
  end,
  each_buildsOneTaskPerItemAndSkipsNil = function()
    local tasks = plan.each({ "a", "b", "c" }, function(name, i)
      if name == "b" then return nil end
      return { id = name .. i }
    end)
    assert(#tasks == 2 and tasks[1].id == "a1" and tasks[2].id == "c3")
  end,
  each_whenItemsIsNotAList_raisesAtTheCaller = function()
    checkerr("plan_test.lua:%d+: plan.each: items must be a list, got nil", function() plan.each(nil, print) end)
    checkerr("plan.each: make must be a function, got string", plan.each, {}, "f")
  end,
  ids_listsTheIdsInOrder = function()
    local ids = plan.ids({ { id = "a" }, { id = "b" } })
    assert(#ids == 2 and ids[1] == "a" and ids[2] == "b")
    checkerr("plan.ids: task #2 has no string id", plan.ids, { { id = "a" }, {} })
  end,
  concat_appendsEveryList = function()
    local all = plan.concat({ { id = "a" } }, { { id = "b" } }, {}, { { id = "c" } })
    assert(#all == 3 and all[3].id == "c")
  end,
}

local tasks = {}
for name, test in pairs(tests) do tasks[#tasks + 1] = { id = name, run = test } end
return plan { id = "plan_test", failurePolicy = "continue", tasks = tasks }
