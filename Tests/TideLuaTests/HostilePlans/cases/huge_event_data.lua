-- expect: VALUE_TOO_LARGE
-- message: maxEventDataBytes
return function()
  tide.emit("big", { blob = string.rep(("e"):rep(1024), 1 << 10) })
end
