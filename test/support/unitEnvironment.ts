// Unit tests exercise error paths on purpose: keep their log lines out of the test output.
process.env.LOG_LEVEL ??= 'error';
process.env.METRICS ??= 'off';
