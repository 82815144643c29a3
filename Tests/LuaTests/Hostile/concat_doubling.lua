-- expect: MEMORY_LIMIT
local s = 'x'
while true do s = s .. s end
