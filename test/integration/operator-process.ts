import { ChildProcess, spawn } from 'node:child_process';
import * as path from 'node:path';
import { sleep } from '../../hack/cluster/control-plane';

const root = path.join(__dirname, '../..');

/** OperatorProcess runs the operator as its own process (from source, or the built entry point). */
export class OperatorProcess {
  readonly lines: Array<Record<string, unknown>> = [];
  readonly stderr: string[] = [];
  private readonly child: ChildProcess;
  readonly exited: Promise<number | null>;

  /** entry: the operator from source, the built entry point, or another script that loads it. */
  constructor(
    readonly name: string,
    args: string[],
    kubeconfig: string,
    entry: 'source' | 'built' | string = 'source',
    nodeArgs: string[] = [],
  ) {
    const main =
      entry === 'built'
        ? [path.join(root, 'dist/main.js')]
        : ['--require', 'tsx/cjs', entry === 'source' ? path.join(root, 'src/main.ts') : entry];
    this.child = spawn(process.execPath, [...nodeArgs, ...main, ...args], {
      cwd: root,
      env: { ...process.env, KUBECONFIG: kubeconfig },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let buffer = '';
    this.child.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const parts = buffer.split('\n');
      buffer = parts.pop()!;
      for (const line of parts) {
        try {
          this.lines.push(JSON.parse(line));
        } catch {
          this.lines.push({ message: line });
        }
      }
    });
    this.child.stderr!.on('data', (chunk: Buffer) => this.stderr.push(chunk.toString()));
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
  }

  get pid(): number {
    return this.child.pid!;
  }

  has(message: string): boolean {
    return this.lines.some((l) => l.message === message);
  }

  async waitFor(message: string, timeoutMs = 30_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    while (!this.has(message)) {
      if (this.child.exitCode !== null)
        throw new Error(`${this.name} exited (${this.child.exitCode}) before "${message}": ${this.stderr.join('')}`);
      if (Date.now() > deadline) throw new Error(`${this.name} did not log "${message}" in ${timeoutMs}ms`);
      await sleep(50);
    }
    return Date.now();
  }

  /** The latest line with this message, or undefined. */
  last(message: string): Record<string, unknown> | undefined {
    return [...this.lines].reverse().find((l) => l.message === message);
  }

  /** The heap after a full GC, from a process started with scripts/bench/heap-probe.js (and --expose-gc). */
  async heapAfterGc(): Promise<{ heapUsed: number; rss: number }> {
    const before = this.lines.filter((l) => l.message === 'heap').length;
    this.kill('SIGUSR2');
    const deadline = Date.now() + 10_000;
    while (this.lines.filter((l) => l.message === 'heap').length === before) {
      if (Date.now() > deadline)
        throw new Error(`${this.name} did not report its heap: was it started with heap-probe.js?`);
      await sleep(50);
    }
    const line = this.last('heap')!;
    return { heapUsed: line.heapUsed as number, rss: line.rss as number };
  }

  kill(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }
}
