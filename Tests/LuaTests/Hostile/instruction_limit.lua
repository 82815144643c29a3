-- expect: SCRIPT_TIMEOUT
-- args: --time-ms 60000 --instructions 100000
local x = 0
while true do x = x + 1 end
