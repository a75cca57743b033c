/**
 * Every change the real node makes to the host outside its lab folder is written to one state
 * file before it is made, so a stop undoes exactly those, and the next start undoes what a
 * SIGKILLed run left. One real node per machine: the kubelet has paths nobody can move.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

export const stateFile = '/run/appwithhelpers-real-node/state.json';

export interface StartedProcess {
  name: string;
  pid: number;
  /** Field 22 of /proc/PID/stat: tells our process from a later one given the same PID. */
  startTime: string;
}

export interface HostState {
  owner: StartedProcess;
  lab: string;
  /** The containerd socket: its shims are found by `-address <socket>` on their command line. */
  containerdSocket?: string;
  bridge?: string;
  /** Arguments after `ip route add`, e.g. ['blackhole', '10.96.0.0/16']. */
  routes: string[][];
  /** Rules added to the nat table: the arguments after `iptables -t nat -A` (chain first), deleted with -D. */
  natRules?: string[][];
  /** sysctl path under /proc/sys → its value before we started. */
  sysctls: Record<string, string>;
  /** The node's cgroup folders (each hierarchy's): their members are killed, what is below them removed deepest first. */
  cgroups: string[];
  /** Those of `cgroups` that existed before the node started: kept, emptied. The others are removed. */
  cgroupsFound?: string[];
  /** Folders that did not exist before (the kubelet's and containerd's fixed ones): removed when empty. */
  createdPaths: string[];
  /** Those of `createdPaths` removed with everything below them (see ensurePath). */
  wholePaths?: string[];
  /** What only this node puts in those fixed places (a trailing * matches a name prefix): removed. */
  ownedPaths: string[];
  processes: StartedProcess[];
}

/** The sysctls the kubelet sets on start (setupKernelTunables) and ones a CNI plugin may touch. */
export const watchedSysctls = [
  'vm/overcommit_memory',
  'vm/panic_on_oom',
  'kernel/panic',
  'kernel/panic_on_oops',
  'kernel/keys/root_maxkeys',
  'kernel/keys/root_maxbytes',
  'net/ipv4/ip_forward',
];

export function processStartTime(pid: number): string | undefined {
  try {
    // The command name (field 2) may hold spaces; fields after its closing parenthesis are plain.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

export function isAlive(p: StartedProcess): boolean {
  return processStartTime(p.pid) === p.startTime;
}

export function describeProcess(name: string, pid: number): StartedProcess {
  return { name, pid, startTime: processStartTime(pid) ?? '' };
}

/** HostChanges records changes as they are made and undoes them all. */
export class HostChanges {
  private constructor(
    readonly state: HostState,
    private readonly file: string,
  ) {}

  /** begin takes the machine's one real-node slot, cleaning up after a killed run first. */
  static begin(lab: string, log: (line: string) => void, file = stateFile): HostChanges {
    const left = readState(file);
    if (left) {
      if (isAlive(left.owner))
        throw new Error(
          `another real node runs on this machine (process ${left.owner.pid}, lab ${left.lab}); stop it first (Ctrl-C in its terminal, or kill -INT ${left.owner.pid})`,
        );
      log(`  cleaning up what a stopped run left (${file})`);
      new HostChanges(left, file).undo(log);
    }
    const changes = new HostChanges(
      {
        owner: describeProcess('owner', process.pid),
        lab,
        routes: [],
        natRules: [],
        sysctls: {},
        cgroups: [],
        createdPaths: [],
        ownedPaths: [],
        processes: [],
      },
      file,
    );
    changes.save();
    return changes;
  }

  save(): void {
    mkdirSync(path.dirname(this.file), { recursive: true });
    writeFileSync(this.file, JSON.stringify(this.state, null, 2));
  }

  update(change: (s: HostState) => void): void {
    change(this.state);
    this.save();
  }

  /**
   * ensurePath makes a fixed path the node needs. Undo removes `owned` (what only this node puts
   * there), then the folders it made here if they are empty: a program that started meanwhile may
   * use one (a host containerd's socket in /run/containerd). With `whole`, a folder it made goes
   * with everything below it: for /var/lib/cni, where what runs during the node's life leaves
   * files (buildah's networks when a test builds an image), and nothing lives for long.
   * A folder that existed before stays, with what others keep in it.
   */
  ensurePath(dir: string, owned: string[], whole = false): void {
    let top: string | undefined;
    for (let p = dir; !existsSync(p); p = path.dirname(p)) top = p;
    this.update((s) => {
      if (top) s.createdPaths.push(top);
      if (top && whole) s.wholePaths = [...(s.wholePaths ?? []), top];
      s.ownedPaths.push(...owned);
    });
    mkdirSync(dir, { recursive: true });
  }

  /** ensureCgroup makes one of the node's cgroup folders, noting whether it was there before (a run that was killed may leave one). */
  ensureCgroup(dir: string): void {
    const found = existsSync(dir);
    this.update((s) => {
      s.cgroups.push(dir);
      if (found) s.cgroupsFound = [...(s.cgroupsFound ?? []), dir];
    });
    mkdirSync(dir, { recursive: true });
  }

  /** addNatRule appends a rule to the host's nat table (chain first, as after `iptables -t nat -A`), recorded first. */
  addNatRule(rule: string[]): void {
    this.update((s) => (s.natRules = [...(s.natRules ?? []), rule]));
    iptables('-t', 'nat', '-A', ...rule);
  }

  recordSysctls(): void {
    this.update((s) => {
      for (const key of watchedSysctls) {
        const value = readSysctl(key);
        if (value !== undefined) s.sysctls[key] = value;
      }
    });
  }

  /** undo reverts everything recorded, in an order that lets each step succeed, and removes the state file. */
  undo(log: (line: string) => void): void {
    const s = this.state;
    const problems: string[] = [];
    const attempt = (what: string, fn: () => void) => {
      try {
        fn();
      } catch (err) {
        problems.push(`${what}: ${(err as Error).message.split('\n')[0]}`);
      }
    };
    // Containers first (found through our cgroups), then our processes and containerd's shims.
    attempt('killing the containers', () => killCgroupMembers(s.cgroups));
    attempt('killing the node processes', () => killProcesses(s));
    attempt('killing the containers', () => killCgroupMembers(s.cgroups));
    attempt('unmounting', () => unmountUnder([s.lab, ...s.createdPaths]));
    const found = new Set(s.cgroupsFound ?? []);
    for (const dir of [...s.cgroups].reverse())
      attempt(`removing cgroup ${dir}`, () => removeCgroupTree(dir, !found.has(dir)));
    for (const route of s.routes) attempt(`removing route ${route.join(' ')}`, () => ip('route', 'del', ...route));
    for (const rule of s.natRules ?? [])
      attempt(`deleting nat rule ${rule.join(' ')}`, () => {
        // Gone already (say, with a firewall reload) is as good as deleted.
        if (natRuleExists(rule)) iptables('-t', 'nat', '-D', ...rule);
      });
    if (s.bridge && existsSync(`/sys/class/net/${s.bridge}`))
      attempt(`deleting bridge ${s.bridge}`, () => ip('link', 'del', s.bridge!));
    for (const [key, before] of Object.entries(s.sysctls))
      attempt(`restoring ${key}`, () => {
        if (readSysctl(key) !== before) writeFileSync(`/proc/sys/${key}`, before);
      });
    for (const p of s.ownedPaths ?? []) attempt(`removing ${p}`, () => removeOwned(p));
    const whole = new Set(s.wholePaths ?? []);
    for (const p of [...s.createdPaths].reverse())
      attempt(`removing ${p}`, () =>
        whole.has(p) ? rmSync(p, { recursive: true, force: true }) : removeEmptyFolders(p),
      );
    attempt(`removing ${s.lab}`, () => rmSync(s.lab, { recursive: true, force: true }));
    if (problems.length > 0)
      log(
        `  some host changes could not be undone (the state file ${this.file} is kept):\n    ${problems.join('\n    ')}`,
      );
    else rmSync(path.dirname(this.file), { recursive: true, force: true });
  }
}

/** removeOwned removes a path, or with a trailing * every entry of its folder whose name starts so. */
function removeOwned(owned: string): void {
  if (!owned.endsWith('*')) return rmSync(owned, { recursive: true, force: true });
  const dir = path.dirname(owned);
  const prefix = path.basename(owned).slice(0, -1);
  if (!existsSync(dir)) return;
  for (const e of readdirSync(dir).filter((n) => n.startsWith(prefix)))
    rmSync(path.join(dir, e), { recursive: true, force: true });
}

/** removeEmptyFolders removes dir and the folders below it, deepest first, as long as they are empty. */
function removeEmptyFolders(dir: string): void {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return;
  for (const e of readdirSync(dir)) removeEmptyFolders(path.join(dir, e));
  if (readdirSync(dir).length === 0) rmdirSync(dir);
}

function readState(file: string): HostState | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as HostState;
  } catch {
    return undefined;
  }
}

function readSysctl(key: string): string | undefined {
  try {
    return readFileSync(`/proc/sys/${key}`, 'utf8').trim();
  } catch {
    return undefined;
  }
}

export function ip(...args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** iptables, waiting for the xtables lock rather than failing when another program holds it. */
function iptables(...args: string[]): string {
  return execFileSync('iptables', ['-w', '5', ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function natRuleExists(rule: string[]): boolean {
  try {
    iptables('-t', 'nat', '-C', ...rule);
    return true;
  } catch {
    return false;
  }
}

/** Folders below a cgroup folder, deepest first. */
function cgroupTree(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const below = readdirSync(dir)
    .map((e) => path.join(dir, e))
    .filter((p) => statSync(p).isDirectory());
  return [...below.flatMap(cgroupTree), dir];
}

function killCgroupMembers(cgroups: string[]): void {
  for (let round = 0; round < 20; round++) {
    const pids = cgroups.flatMap(cgroupTree).flatMap((dir) => {
      try {
        return readFileSync(path.join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number);
      } catch {
        return [];
      }
    });
    if (pids.length === 0) return;
    for (const pid of new Set(pids)) signal(pid, 'SIGKILL');
    execFileSync('sleep', ['0.1']);
  }
}

/** removeCgroupTree removes the folders below a cgroup folder, deepest first, and the folder itself when `self`. */
function removeCgroupTree(dir: string, self: boolean): void {
  for (const d of cgroupTree(dir)) if (self || d !== dir) rmdirSync(d);
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

/** Our processes by PID and start time; shims by the containerd socket on their command line. */
function killProcesses(s: HostState): void {
  const victims = s.processes.filter(isAlive).map((p) => p.pid);
  if (s.containerdSocket) {
    for (const entry of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
      try {
        const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
        if (cmdline.some((arg) => arg === s.containerdSocket) && cmdline[0].includes('containerd-shim'))
          victims.push(Number(entry));
      } catch {
        // exited meanwhile
      }
    }
  }
  for (const pid of victims) signal(pid, 'SIGKILL');
  const deadline = Date.now() + 5000;
  while (victims.some((pid) => existsSync(`/proc/${pid}`)) && Date.now() < deadline) execFileSync('sleep', ['0.05']);
}

/** Unmounts every mount point under these folders, deepest first (lazily if busy). */
export function unmountUnder(roots: string[]): void {
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => line.split(' ')[4].replace(/\\040/g, ' '))
    .filter((m) => roots.some((r) => m === r || m.startsWith(r + '/')))
    .sort((a, b) => b.length - a.length);
  for (const m of mounts) {
    try {
      execFileSync('umount', [m], { stdio: 'ignore' });
    } catch {
      execFileSync('umount', ['-l', m], { stdio: 'ignore' });
    }
  }
}
