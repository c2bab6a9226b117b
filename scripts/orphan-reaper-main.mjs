// Started by `npm start` in a process group of its own. It reads the process ids of the stack's children
// (each in its own group) from stdin (and which have exited); when stdin closes, npm start has ended, however it ended (even
// SIGKILL), and whatever of its stack is still running is stopped, so a crash leaves no emulator behind.
const groups = new Set();
let pending = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  pending += chunk;
  const lines = pending.split('\n');
  pending = lines.pop() ?? '';
  // "<pid>": a child started; "-<pid>": it has exited (its id may be reused by then)
  for (const line of lines) {
    if (/^\d+$/.test(line)) groups.add(Number(line));
    else if (/^-\d+$/.test(line)) groups.delete(-Number(line));
  }
});
process.stdin.on('close', () => {
  for (const group of groups) {
    try {
      process.kill(-group, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  process.exit(0);
});
