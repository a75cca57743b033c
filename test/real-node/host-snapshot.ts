import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { watchedSysctls } from '../cluster/node/host-state';

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

/** What differs between two snapshots, as "+ line" (new) and "- line" (gone). */
export function hostDiff(before: string[], after: string[]): string[] {
  const b = new Set(before);
  const a = new Set(after);
  return [
    ...after.filter((l) => !b.has(l)).map((l) => `+ ${l}`),
    ...before.filter((l) => !a.has(l)).map((l) => `- ${l}`),
  ];
}
