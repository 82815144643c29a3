// swift-format-ignore-file
// (The body of this file is Lua source, indented Lua style, not Swift.)

/// The sandbox prelude: trusted Lua run once per state, with the real globals, at state creation.
///
/// It builds what scripts get instead of the raw library: fresh environments from an allow list
/// (`newenv`), sandboxes with their own module cache and `require` (`newsandbox`), and the wrapped
/// `load`, `setmetatable`, `xpcall`, `collectgarbage` and `coroutine` functions. It receives the
/// host-yield marker, the C `raise` function and the source size cap as arguments and keeps them in
/// upvalues, then removes the raw functions from the real global table.
let luaPreludeSource = #"""
local MARKER, raise, MAX_SOURCE, resume_checked, pause, PAUSE = ...

local type, next, select, error, pcall, rawget, rawset = type, next, select, error, pcall, rawget, rawset
local setmetatable, getmetatable, rawload, collectgarbage = setmetatable, getmetatable, load, collectgarbage
local tostring = tostring
local co_create, co_resume, co_yield = coroutine.create, resume_checked, coroutine.yield
local co_status, co_close = coroutine.status, coroutine.close
local format, byte = string.format, string.byte

local function violation(message, level)
  raise("SANDBOX_VIOLATION", message, level + 1)
end

-- Coroutines created by scripts forward host waits (sleep, ...) up to the run's own coroutine,
-- which the owner suspends; the answer travels back down the same way. A coroutine the count hook
-- paused at the end of the run's time slice comes back from co_resume (resume_checked) as
-- true, PAUSE: its caller pauses in turn (up to the run's coroutine, which the owner resumes
-- after the other runs; where it cannot yield, it goes on), then resumes it.
local PAUSED = setmetatable({}, { __mode = "k" })

local function forward(co, ok, ...)
  if ok then
    local first = ...
    if first == PAUSE then
      PAUSED[co] = true
      pause()
      PAUSED[co] = nil
      return forward(co, co_resume(co))
    end
    if first == MARKER and co_status(co) == "suspended" then
      return forward(co, co_resume(co, co_yield(MARKER)))
    end
  end
  return ok, ...
end

-- The coroutines of runs (weak keys): only their owner may resume or close them.
local ROOTS = setmetatable({}, { __mode = "k" })

local function check_coroutine(co, fname)
  if type(co) ~= "thread" then
    error(format("bad argument #1 to '%s' (coroutine expected, got %s)", fname, type(co)), 3)
  end
  if ROOTS[co] then
    error(format("%s: a run's own coroutine can only be resumed by the host, not by scripts", fname), 3)
  end
  if PAUSED[co] then
    error(format("%s: this coroutine is paused while the task that runs it waits for its turn; "
      .. "only that task resumes it", fname), 3)
  end
end

local function resume(co, ...)
  check_coroutine(co, "resume")
  return forward(co, co_resume(co, ...))
end

local function close(co)
  check_coroutine(co, "close")
  return co_close(co)
end

local function unwrap(co, ok, ...)
  if ok then return ... end
  if co_status(co) == "dead" then co_close(co) end
  error((...), 0)
end

local function wrap(f)
  if type(f) ~= "function" then
    error(format("bad argument #1 to 'wrap' (function expected, got %s)", type(f)), 2)
  end
  local co = co_create(f)
  return function(...) return unwrap(co, resume(co, ...)) end
end

-- Read-only tables (the tide API, stdlib modules): the table becomes an empty shell whose
-- metatable reads from a hidden copy and refuses writes; rawset refuses them too. Weak keys.
local FROZEN = setmetatable({}, { __mode = "k" })

local function readonly(name, key, level)
  local field = type(key) == "string" and key:find("^[%a_][%w_]*$") and (name .. "." .. key)
    or format("%s[%s]", name, type(key) == "string" and format("%q", key) or tostring(key))
  violation(format("%s is read-only: scripts cannot change %s (every task sees the same one); "
    .. "keep your own values in local variables or in tables of your own", field, name), level + 1)
end

local function freeze(t, name, seen)
  if FROZEN[t] or seen[t] then return t end
  seen[t] = true
  local old = getmetatable(t)
  local hidden = {}
  for k, v in next, t do hidden[k] = v end
  for k in next, hidden do rawset(t, k, nil) end
  for k, v in next, hidden do
    if type(v) == "table" then
      freeze(v, type(k) == "string" and (name .. "." .. k) or format("%s[%s]", name, tostring(k)), seen)
    end
  end
  local meta = {}
  if type(old) == "table" then
    for k, v in next, old do meta[k] = v end  -- keeps __call, __tostring, … of the table
  end
  local miss = meta.__index
  if miss == nil then
    meta.__index = hidden
  else
    -- Keeps what the table fell back on (tide.actions names unknown actions; a class's parent).
    meta.__index = function(_, key)
      local value = hidden[key]
      if value ~= nil then return value end
      if type(miss) == "function" then return miss(t, key) end
      return miss[key]
    end
  end
  meta.__newindex = function(_, key) readonly(name, key, 2) end
  -- The iterator reaches the hidden copy through its upvalue: pairs must not hand it out.
  local function step(_, key) return next(hidden, key) end
  meta.__pairs = function() return step, t, nil end
  meta.__len = function() return #hidden end
  meta.__metatable = false
  setmetatable(t, meta)
  FROZEN[t] = name
  return t
end

local function safe_rawset(t, key, value)
  local name = type(t) == "table" and FROZEN[t]
  if name then readonly(name, key, 2) end
  return rawset(t, key, value)
end

local function safe_setmetatable(t, mt)
  local name = type(t) == "table" and FROZEN[t]
  if name then
    violation(format("%s is read-only: its metatable cannot be changed (every task sees the same one)", name), 2)
  end
  if type(mt) == "table" and rawget(mt, "__gc") ~= nil then
    violation("setmetatable: metatables with __gc are not allowed in the sandbox "
      .. "(finalizers run outside the script's time limit); use a <close> variable instead", 2)
  end
  return setmetatable(t, mt)
end

local function safe_collectgarbage(option, ...)
  if option == "count" then return collectgarbage("count") end
  violation(format("collectgarbage: only \"count\" is allowed in the sandbox, not %s",
    type(option) == "string" and format("%q", option) or type(option)), 2)
end

local function handled(handler, ok, ...)
  if ok then return true, ... end
  return false, handler((...))
end

-- The handler runs after the stack has unwound, under the normal limits: a raw xpcall runs it
-- inside the failing call, where a handler looping on an error raised by the hook hangs the host.
local function safe_xpcall(f, handler, ...)
  return handled(handler, pcall(f, ...))
end

local function make_load(env)
  return function(chunk, chunkname, mode, custom_env)
    if type(chunk) ~= "string" then
      return nil, "load: the sandbox loads source strings only, not reader functions"
    end
    if mode ~= nil and (type(mode) ~= "string" or not mode:find("t", 1, true)) then
      return nil, "attempt to load a binary chunk (mode is '" .. tostring(mode) .. "'): the sandbox loads text only"
    end
    if byte(chunk, 1) == 27 then
      return nil, "attempt to load a binary chunk: the sandbox loads text only"
    end
    if #chunk > MAX_SOURCE then
      return nil, format("load: chunk is %d bytes, over the sandbox limit of %d bytes", #chunk, MAX_SOURCE)
    end
    if custom_env == nil then custom_env = env end
    return rawload(chunk, chunkname, "t", custom_env)
  end
end

local BASE = {
  assert = assert, error = error, getmetatable = getmetatable, ipairs = ipairs, next = next,
  pairs = pairs, pcall = pcall, rawequal = rawequal, rawget = rawget, rawlen = rawlen,
  rawset = safe_rawset, select = select, tonumber = tonumber, tostring = tostring, type = type,
  _VERSION = _VERSION,
  setmetatable = safe_setmetatable, xpcall = safe_xpcall, collectgarbage = safe_collectgarbage,
}

local math_copy = {}
for k, v in next, math do if k ~= "randomseed" then math_copy[k] = v end end

local LIBS = {
  string = string, table = table, math = math_copy, utf8 = utf8, os = os,
  coroutine = {
    create = co_create, resume = resume, wrap = wrap, yield = co_yield, status = co_status,
    close = close, running = coroutine.running, isyieldable = coroutine.isyieldable,
  },
}

-- Names a script might reach for that the sandbox leaves out on purpose: reading them is an error
-- that says so, rather than a puzzling "attempt to index a nil value".
local FORBIDDEN = {
  _ENV = {
    io = "io is not available in the sandbox: scripts do not touch files directly",
    debug = "debug is not available in the sandbox",
    package = "package is not available in the sandbox: use require, which searches the sandbox's folders",
    dofile = "dofile is not available in the sandbox: use require",
    loadfile = "loadfile is not available in the sandbox: use require",
  },
  os = {
    execute = "os.execute is not available in the sandbox: scripts do not start processes directly",
    exit = "os.exit is not available in the sandbox",
    getenv = "os.getenv is not available in the sandbox",
    remove = "os.remove is not available in the sandbox",
    rename = "os.rename is not available in the sandbox",
    tmpname = "os.tmpname is not available in the sandbox",
    setlocale = "os.setlocale is not available in the sandbox",
  },
  string = { dump = "string.dump is not available in the sandbox: only source text can be loaded" },
  math = { randomseed = "math.randomseed is not available in the sandbox: the generator is shared" },
}

local function forbidding(names)
  return { __index = function(_, key)
    local why = names[key]
    if why then violation(why, 2) end
  end }
end

local function newenv(sandbox)
  local env = {}
  for k, v in next, BASE do env[k] = v end
  for name, lib in next, LIBS do
    local copy = {}
    for k, v in next, lib do copy[k] = v end
    if FORBIDDEN[name] then setmetatable(copy, forbidding(FORBIDDEN[name])) end
    env[name] = copy
  end
  env.load = make_load(env)
  env._G = env
  -- The host's globals (require, and the sandbox's own: tide, print) are read through __index
  -- and cannot be replaced: a script that shares its environment with others (the tasks of one
  -- plan file) must not change what they call.
  local host = { require = sandbox.require }
  for k, v in next, sandbox.globals do host[k] = v end
  setmetatable(host, forbidding(FORBIDDEN._ENV))
  return setmetatable(env, {
    __index = host,
    __newindex = function(t, key, value)
      if rawget(host, key) ~= nil then
        violation(format("the global %s is read-only: it is the host's, and every script of this file "
          .. "calls the same one; keep your own values in locals or globals of other names", tostring(key)), 2)
      end
      rawset(t, key, value)
    end,
  })
end

local function newsandbox(search, globals)
  local sandbox = { globals = globals, loaded = {} }
  local loading = {}
  sandbox.require = function(...)
    local name = ...
    if type(name) ~= "string" then
      error(format("bad argument #1 to 'require' (string expected, got %s)",
        select("#", ...) == 0 and "no value" or type(name)), 2)
    end
    local value = sandbox.loaded[name]
    if value ~= nil then return value end
    if loading[name] then
      raise("SCRIPT_ERROR", format("require: module '%s' requires itself while loading (a require loop)", name), 2)
    end
    local fn, path, message = search(name, newenv(sandbox))
    if not fn then raise(path, message, 2) end
    loading[name] = true
    local ok, result = pcall(fn, name, path)
    loading[name] = nil
    if not ok then error(result, 0) end
    if result == nil then result = true end
    if message == true and type(result) == "table" then freeze(result, name, {}) end
    sandbox.loaded[name] = result
    return result, path
  end
  return sandbox
end

for _, name in next, { "load", "collectgarbage", "setmetatable", "rawset", "rawget", "getmetatable" } do
  _G[name] = nil
end

local function freeze_export(t, name)
  if type(t) == "table" then freeze(t, name, {}) end
  return t
end

return { newenv = newenv, newsandbox = newsandbox, roots = ROOTS, freeze = freeze_export }
"""#
