-- expect: SANDBOX_VIOLATION
os.exit(1)
