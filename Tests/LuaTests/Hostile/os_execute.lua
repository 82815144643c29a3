-- expect: SANDBOX_VIOLATION
os.execute('touch /tmp/tide-pwned')
