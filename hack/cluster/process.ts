import { ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';

/** ManagedProcess runs one control-plane binary with its output in a log file. */
export class ManagedProcess {
  private child?: ChildProcess;
  private exited?: Promise<void>;

  constructor(
    readonly name: string,
    private readonly command: string,
    private readonly args: string[],
    readonly logFile: string,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  start(): void {
    if (this.running) return;
    const log = openSync(this.logFile, 'a');
    // A process group of its own: a Ctrl-C in the terminal reaches only us, and we stop the
    // processes in order (the kubelet before containerd, the API server before etcd).
    const child = spawn(this.command, this.args, { stdio: ['ignore', log, log], env: this.env, detached: true });
    closeSync(log);
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    child.once('error', () => undefined); // an ENOENT also ends in 'exit'; the log tail explains it
  }

  /** failure describes an unexpected exit, with the last lines of the log, or undefined. */
  failure(): string | undefined {
    if (!this.child || this.running) return undefined;
    const how = this.child.exitCode !== null ? `exit code ${this.child.exitCode}` : `signal ${this.child.signalCode}`;
    return `${this.name} stopped (${how}). Last lines of ${this.logFile}:\n${this.tail(15)}`;
  }

  tail(lines: number): string {
    try {
      return readFileSync(this.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }

  /** stop sends SIGTERM, then SIGKILL after graceMs, and resolves once the process is gone. */
  async stop(graceMs = 5000): Promise<void> {
    if (!this.child || !this.exited) return;
    if (this.running) {
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child?.kill('SIGKILL'), graceMs);
      await this.exited;
      clearTimeout(timer);
    }
  }

  /** killNow is for process exit handlers, where nothing asynchronous runs any more. */
  killNow(): void {
    if (this.running) this.child?.kill('SIGKILL');
  }
}
