// The local SQS/S3 emulator (fauxqs), persisted to FAUXQS_DATA_DIR when it is set (fauxqs's own CLI takes
// no data directory). Plain ESM JavaScript: fauxqs is ESM-only. Stops on SIGTERM or SIGINT.
import net from 'node:net';
import { startFauxqs } from 'fauxqs';

// fauxqs listens on 0.0.0.0 and takes no address to listen on: keep it on loopback
const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function listenOnLoopback(...args) {
  if (args[0] && typeof args[0] === 'object' && args[0].host === '0.0.0.0') args[0] = { ...args[0], host: '127.0.0.1' };
  else if (args[1] === '0.0.0.0') args[1] = '127.0.0.1';
  return listen.apply(this, args);
};

const dataDir = process.env.FAUXQS_DATA_DIR;
const server = await startFauxqs({ port: Number(process.env.FAUXQS_PORT), host: 'localhost', logger: false, ...(dataDir && { dataDir }) });
const stop = async () => {
  await server.stop();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
