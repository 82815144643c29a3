-- expect: VALUE_TOO_LARGE
-- message: maxEventDataBytes
return function()
  tide.emit("big", { blob = string.rep("e", 1 << 20) })
end
