// A worker in its own process (so a test can SIGKILL it mid-send). Reads the same environment as the tests.
import { startWorker } from './worker';

startWorker({ concurrency: 1 });
process.stdout.write('worker ready\n');
