import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { watchedSysctls } from '../../hack/cluster/node/host-state';

/** The parts of the host the real node touches, as lines, to tell whether stopping it undid everything. */
export function snapshotHost(): string[] {
  const sh = (cmd: string, ...args: string[]) => {
    try {
      return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    } catch {
      return '';
    }
  };
  const lines = (prefix: string, text: string) =>
    text
      .split('\n')
      .filter((l) => l.trim() && !l.startsWith('#'))
      .map((l) => `${prefix}: ${l.replace(/\[\d+:\d+\]/g, '').trim()}`);
  return [
    ...lines(
      'link',
      sh('ip', '-o', 'link', 'show')
        .replace(/^\d+: /gm, '')
        .replace(/\\.*$/gm, ''),
    ),
    ...lines('route', sh('ip', 'route', 'show')),
    ...lines('iptables', sh('iptables-save')),
    ...lines('ip6tables', sh('ip6tables-save')),
    ...watchedSysctls.map((k) => `sysctl ${k}: ${readFileSync(`/proc/sys/${k}`, 'utf8').trim()}`),
    ...lines(
      'mount',
      readFileSync('/proc/self/mountinfo', 'utf8')
        .split('\n')
        .map((l) => l.split(' ')[4] ?? '')
        .filter((m) => /awh-node|\/var\/lib\/kubelet|\/run\/containerd/.test(m))
        .join('\n'),
    ),
    ...readdirSync('/sys/fs/cgroup')
      .filter((h) => existsSync(`/sys/fs/cgroup/${h}/awh-node`))
      .map((h) => `cgroup: /sys/fs/cgroup/${h}/awh-node`),
    ...['/var/lib/kubelet', '/var/lib/cni', '/run/containerd', '/run/appwithhelpers-real-node']
      .filter((p) => existsSync(p))
      .map((p) => `path: ${p}`),
  ];
}

/**
 * What differs between two snapshots, as "+ line" (new) and "- line" (gone). A built-in table
 * that holds no rules is no change: the kernel makes the nat table on first use, and deleting
 * the node's rule from it is the undo; the table itself cannot be removed.
 */
export function hostDiff(before: string[], after: string[]): string[] {
  const b = new Set(withoutEmptyTables(before));
  const a = new Set(withoutEmptyTables(after));
  return [
    ...[...a].filter((l) => !b.has(l)).map((l) => `+ ${l}`),
    ...[...b].filter((l) => !a.has(l)).map((l) => `- ${l}`),
  ];
}

const BUILT_IN_CHAINS = new Set(['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING']);

/**
 * withoutEmptyTables drops each iptables-save table ("*nat" … "COMMIT", under an iptables: or
 * ip6tables: prefix) whose only lines are built-in chains with their default ACCEPT policy.
 */
export function withoutEmptyTables(lines: string[]): string[] {
  const out: string[] = [];
  let table: string[] | undefined;
  for (const line of lines) {
    const m = /^(ip6?tables): (.*)$/.exec(line);
    if (!m) {
      out.push(line);
      continue;
    }
    const text = m[2];
    if (text.startsWith('*')) table = [line];
    else if (table) table.push(line);
    else out.push(line);
    if (table && text === 'COMMIT') {
      if (!isEmptyBuiltInTable(table)) out.push(...table);
      table = undefined;
    }
  }
  return table ? [...out, ...table] : out;
}

function isEmptyBuiltInTable(table: string[]): boolean {
  return table.slice(1, -1).every((line) => {
    const chain = /^ip6?tables: :(\S+) (\S+)/.exec(line);
    return !!chain && BUILT_IN_CHAINS.has(chain[1]) && chain[2] === 'ACCEPT';
  });
}
