-- expect: INVALID_VALUE
local t = {}
local cur = t
for _ = 1, 10000 do cur.next = {} cur = cur.next end
return t
