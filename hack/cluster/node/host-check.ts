import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

/**
 * whyCannotHostNode says what this machine lacks to run a real kubelet node, or undefined when
 * it has everything. The packages the node needs are not checked here: they are installed.
 */
export function whyCannotHostNode(): string | undefined {
  if (process.platform !== 'linux') return `a real node needs Linux (this is ${process.platform})`;
  if (process.getuid?.() !== 0) return 'a real node needs root (it makes a bridge, cgroups and mounts): run as root';
  const v1 = existsSync('/sys/fs/cgroup/memory/cgroup.procs') && existsSync('/sys/fs/cgroup/cpu/cgroup.procs');
  const v2 = existsSync('/sys/fs/cgroup/cgroup.controllers');
  if (!v1 && !v2) return 'a real node needs cgroups with the cpu and memory controllers mounted at /sys/fs/cgroup';
  try {
    execFileSync('ip', ['link', 'show'], { stdio: 'ignore' });
  } catch {
    return "a real node needs the 'ip' command (Debian package iproute2) and a network namespace it may change";
  }
  if (!readFileSync('/proc/filesystems', 'utf8').includes('overlay'))
    return 'a real node needs overlayfs in the kernel (containerd unpacks images with it): modprobe overlay';
  return undefined;
}
