-- expect: CANCELLED
-- args: --time-ms 60000 --cancel-after-ms 100
while true do end
