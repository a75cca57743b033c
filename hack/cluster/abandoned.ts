/**
 * A control plane whose owner was SIGKILLed leaves etcd, the API server and the rest running
 * (each is in a process group of its own). Every control plane writes owner.json in its folder;
 * the next one to start stops the processes of folders whose owner is gone, and removes them.
 */
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { describeProcess, isAlive, StartedProcess } from './node/host-state';

interface Owner {
  owner: StartedProcess;
  processes: StartedProcess[];
}

export function writeOwner(dir: string, pids: Array<[string, number]>): void {
  const record: Owner = {
    owner: describeProcess('owner', process.pid),
    processes: pids.map(([name, pid]) => describeProcess(name, pid)),
  };
  writeFileSync(path.join(dir, 'owner.json'), JSON.stringify(record));
}

/** reapAbandoned stops what killed owners left in base/<prefix>*, and says what it did. */
export function reapAbandoned(base: string, prefix: string, log: (line: string) => void): void {
  let entries: string[];
  try {
    entries = readdirSync(base).filter((e) => e.startsWith(prefix));
  } catch {
    return;
  }
  for (const entry of entries) {
    const dir = path.join(base, entry);
    let record: Owner;
    try {
      record = JSON.parse(readFileSync(path.join(dir, 'owner.json'), 'utf8')) as Owner;
    } catch {
      continue; // starting right now, or from before owner.json: not ours to judge
    }
    if (isAlive(record.owner)) continue;
    const left = record.processes.filter(isAlive);
    for (const p of left) {
      try {
        process.kill(p.pid, 'SIGKILL');
      } catch {
        // gone meanwhile
      }
    }
    log(
      `  removed ${dir}, left by a stopped run${left.length ? ` (stopped ${left.map((p) => p.name).join(', ')})` : ''}`,
    );
    rmSync(dir, { recursive: true, force: true });
  }
}
