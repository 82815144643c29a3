-- expect: TIMEOUT
-- A timed task beside the busy loops and bombs: its timeout fires (a slice late at most, not when
-- the hogs are done).
return {
  timeout = 0.5,
  run = function() tide.sleep(30) end,
}
