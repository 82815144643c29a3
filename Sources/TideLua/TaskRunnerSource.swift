// swift-format-ignore-file
/// The Lua side of the bridge, loaded once per plan state in a sandbox of its own.
///
/// It receives the host primitives and a `keep` function, builds the `tide` table (with
/// `tide.actions` raising a clear error for unknown names) and hands it to `keep`, and returns the
/// task runner: `run(fn, taskId, attempt)` builds the task's `ctx` and calls `fn(ctx)`.
///
/// `ctx` is small: `taskId` and `attempt` are plain fields; `state`, `results`, `vars`,
/// `executionId`, `attemptId`, `quality` and `progress` are found by `__index` on first use, so a task that
/// never reads them pays nothing for them. `ctx.state` always goes through the host, so that
/// `ctx.state = {…}` replaces the task's state; other assignments to `ctx` raise
/// `SANDBOX_VIOLATION`. The metatables are locked (`__metatable = false`), and the host makes the
/// `tide` table read-only once `keep` has it, so no task can change what another one calls.
let taskRunnerSource = #"""
local host, keep, raise = ...
local setmetatable, rawset, type, error, tostring = setmetatable, rawset, type, error, tostring
local cachedstate, loadstate, adoptstate, replacestate =
  host.cachedstate, host.loadstate, host.adoptstate, host.replacestate
local results, getvar, setvar, executionid, attemptid =
  host.results, host.getvar, host.setvar, host.executionid, host.attemptid

-- Each task gets its own ctx.vars proxy: a rawset on it cannot show other tasks a variable.
local varsmeta = {
  __index = function(_, name) return getvar(name) end,
  __newindex = function(_, name, value) setvar(name, value) end,
  __pairs = function()
    error("ctx.vars cannot be iterated: read execution variables by name (ctx.vars.rows)", 2)
  end,
  __metatable = false,
}

-- ctx.quality(x) and ctx:quality(x) both work.
local function method(f)
  return function(first, ...)
    if type(first) == "table" then return f(...) end
    return f(first, ...)
  end
end
local quality, progress = method(host.quality), method(host.progress)

local lazy = {
  state = function()
    local loaded, state = cachedstate()
    if loaded then return state end
    return adoptstate(loadstate())
  end,
  results = function(ctx)
    local r = results()
    rawset(ctx, "results", r)
    return r
  end,
  executionId = function(ctx)
    local id = executionid()
    rawset(ctx, "executionId", id)
    return id
  end,
  attemptId = function(ctx)
    local id = attemptid()
    rawset(ctx, "attemptId", id)
    return id
  end,
  vars = function(ctx)
    local vars = setmetatable({}, varsmeta)
    rawset(ctx, "vars", vars)
    return vars
  end,
  quality = function() return quality end,
  progress = function() return progress end,
}

local ctxmeta = {
  __index = function(ctx, key)
    local get = lazy[key]
    if get then return get(ctx) end
    return nil
  end,
  __newindex = function(_, key, value)
    if key == "state" then
      replacestate(value)
      return
    end
    raise("SANDBOX_VIOLATION", "ctx." .. tostring(key) .. " is read-only: keep a task's own data in ctx.state "
      .. "and data shared by tasks in ctx.vars", 2)
  end,
  __metatable = false,
}

local tide = host.api
local noaction = host.noaction
tide.actions = setmetatable(tide.actions or {}, {
  __index = function(_, name) error(noaction(name), 2) end,
})
keep(tide)

return function(fn, taskId, attempt)
  return fn(setmetatable({ taskId = taskId, attempt = attempt }, ctxmeta))
end
"""#
