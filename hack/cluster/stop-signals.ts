import { readFileSync } from 'node:fs';

/**
 * onStopRequest calls stop once when this process is asked to end: Ctrl-C, SIGINT, SIGTERM or
 * SIGHUP (a closed terminal), or when the process that started us is gone. npm does not always
 * pass a signal on to the script it runs, so `kill -INT <npm pid>` would otherwise leave us (and
 * the servers we started, each in its own process group) running as orphans.
 */
export function onStopRequest(stop: (why: string) => Promise<void>): void {
  let stopping = false;
  const once = (why: string) => {
    if (stopping) return;
    stopping = true;
    void stop(why);
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => once(signal));
  const ancestors = ancestorPids(3);
  const watch = setInterval(() => {
    if (ancestors.some((pid) => !alive(pid))) once('the parent process ended');
  }, 500);
  watch.unref();
}

/** The PIDs of our parent, grandparent …, up to `levels` of them, stopping before PID 1. */
function ancestorPids(levels: number): number[] {
  const found: number[] = [];
  let pid = process.ppid;
  while (found.length < levels && pid > 1) {
    found.push(pid);
    pid = parentOf(pid);
  }
  return found;
}

function parentOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return 0;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
