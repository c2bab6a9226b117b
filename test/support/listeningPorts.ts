// The TCP ports a process tree listens on, read from /proc (Linux): each listening socket in
// /proc/net/tcp{,6}, matched to the processes holding it through their file descriptors.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

export interface ListeningPort {
  address: string;
  port: number;
  pid: number;
  command: string;
}

/** `root` and every process below it. */
export function processTree(root: number): number[] {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // the command may hold spaces and parentheses: the fields after the last ')' are fixed
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone meanwhile
    }
  }
  const tree = [root];
  for (let index = 0; index < tree.length; index++) for (const [pid, parent] of parents) if (parent === tree[index]) tree.push(pid);
  return tree;
}

function hexAddress(hex: string): string {
  if (hex.length === 8) return [3, 2, 1, 0].map((byte) => parseInt(hex.slice(byte * 2, byte * 2 + 2), 16)).join('.');
  if (/^0+$/.test(hex)) return '::';
  if (hex === '00000000000000000000000001000000') return '::1';
  return hex;
}

export function listeningPorts(pids: number[]): ListeningPort[] {
  const listening = new Map<string, { address: string; port: number }>();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(file, 'utf8').split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      // state 0A is LISTEN
      if (fields.length < 10 || fields[3] !== '0A') continue;
      const [address, port] = fields[1].split(':');
      listening.set(fields[9], { address: hexAddress(address), port: parseInt(port, 16) });
    }
  }
  const found: ListeningPort[] = [];
  for (const pid of pids) {
    let descriptors: string[] = [];
    try {
      descriptors = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    const command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
    for (const descriptor of descriptors) {
      let target = '';
      try {
        target = readlinkSync(`/proc/${pid}/fd/${descriptor}`);
      } catch {
        continue;
      }
      const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
      const socket = inode && listening.get(inode);
      if (socket) found.push({ ...socket, pid, command });
    }
  }
  return found;
}
