-- expect: CANCELLED
-- args: --time-ms 60000 --cancel-after-ms 100
sleep(3600)
