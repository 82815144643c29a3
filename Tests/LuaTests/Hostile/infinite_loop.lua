-- expect: SCRIPT_TIMEOUT
while true do end
