import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { ControlPlane, ControlPlaneOptions, freePort, kubernetesServiceIp, serviceCidr, sleep } from '../control-plane';
import { ManagedProcess } from '../process';
import {
  cniConfig,
  cniNetworkName,
  containerdConfig,
  containerdSocket,
  corefile,
  kubeletConfig,
  NodeLayout,
  nodeLabels,
  registryConfigDir,
  registryHosts,
} from './configs';
import { whyCannotHostNode } from './host-check';
import { describeProcess, HostChanges, ip } from './host-state';
import { ensureNodeParts, NodeParts } from './parts';

export interface RealNodeOptions {
  /** Progress lines for people; silent by default. */
  log?: (line: string) => void;
}

const startTimeoutMs = 120_000;

/** The harness network: a bridge and Pod range unlikely to clash with anything on a dev machine. */
export const realNodeNetwork = { bridge: 'awh0', bridgeIp: '10.244.0.1', podCidr: '10.244.0.0/24' };

/**
 * RealNode runs one real kubelet node beside a ControlPlane's KWOK nodes: containerd + runc +
 * the CNI bridge plugin, CoreDNS for cluster.local, and a kubelet registered as `awh-node`,
 * labelled helpers.dev/real-node=true and tainted so only Pods that tolerate it land there.
 * Nothing it does lets a packet leave the machine: Pods have no default route, the Service
 * range is blackholed but for the `kubernetes` Service (translated to the API server on the
 * bridge), nothing from the bridge is forwarded, and every listener is on loopback or the bridge.
 */
export class RealNode {
  readonly name = 'awh-node';
  private readonly procs: ManagedProcess[] = [];
  private readonly onExit = () => this.procs.forEach((p) => p.killNow());

  private constructor(
    readonly cluster: ControlPlane,
    readonly parts: NodeParts,
    readonly layout: NodeLayout,
    private readonly changes: HostChanges,
    private readonly log: (line: string) => void,
  ) {}

  /**
   * startWithControlPlane starts a control plane with a real node: the node's network first (the
   * bridge, the Service range's routes), then the control plane with its API server listening on
   * the bridge address (so Pods reach it through the `kubernetes` Service, as in a cluster), then
   * containerd, CoreDNS and the kubelet. Stop the node, then `node.cluster`.
   */
  static async startWithControlPlane(
    controlPlane: ControlPlaneOptions = {},
    options: RealNodeOptions = {},
  ): Promise<RealNode> {
    const log = options.log ?? (() => undefined);
    const why = whyCannotHostNode();
    if (why) throw new Error(`cannot run a real node here: ${why}`);
    log('  building the real node if needed (kubelet, containerd, CoreDNS, images)');
    const parts = await ensureNodeParts();
    // On disk, not tmpfs: the overlayfs snapshotter is tested on ext4 here.
    const lab = mkdtempSync('/var/tmp/awh-node-');
    const changes = HostChanges.begin(lab, log);
    const layout: NodeLayout = {
      lab,
      nodeName: 'awh-node',
      ...realNodeNetwork,
      serviceCidr,
      podRange: ['10.244.0.10', '10.244.0.250'],
      cgroupRoot: '/awh-node',
      kubeletPort: await freePort(),
      clusterDomain: 'cluster.local',
    };
    let cluster: ControlPlane;
    try {
      makeNetwork(layout, changes, log);
      cluster = await ControlPlane.start({ ...controlPlane, address: layout.bridgeIp });
    } catch (err) {
      changes.undo(log);
      throw err;
    }
    const node = new RealNode(cluster, parts, layout, changes, log);
    try {
      await node.boot();
    } catch (err) {
      await node.stop();
      await cluster.stop();
      throw err;
    }
    return node;
  }

  get bridgeIp(): string {
    return this.layout.bridgeIp;
  }

  /** Runs the built ctr against this node's containerd, in the kubelet's namespace. */
  ctr(args: string[]): Promise<string> {
    return run(this.parts.ctr, ['-a', containerdSocket(this.layout), '-n', 'k8s.io', ...args]);
  }

  /** Resident memory in kB of the kubelet and containerd (shims not included). */
  memory(): { kubelet: number; containerd: number } {
    const rss = (name: string) => {
      const pid = this.procs.find((p) => p.name === name)?.pid;
      const m = pid ? /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8')) : null;
      return m ? Number(m[1]) : 0;
    };
    return { kubelet: rss('kubelet'), containerd: rss('containerd') };
  }

  /** The log file of kubelet, containerd or coredns. */
  logFile(name: string): string {
    return path.join(this.layout.lab, 'logs', `${name}.log`);
  }

  /**
   * stop ends the kubelet, every container and containerd, and undoes every host change. The
   * Node object is deleted when the API server still answers.
   */
  async stop(): Promise<void> {
    const kubelet = this.procs.find((p) => p.name === 'kubelet');
    await kubelet?.stop();
    await this.cluster.kubectl(['delete', 'node', this.name, '--ignore-not-found', '--wait=false']).catch(() => '');
    for (const p of [...this.procs].reverse()) await p.stop(2000);
    process.removeListener('exit', this.onExit);
    this.changes.undo(this.log);
  }

  private add(name: string, command: string, args: string[], env?: NodeJS.ProcessEnv): ManagedProcess {
    const p = new ManagedProcess(name, command, args, this.logFile(name), env);
    this.procs.push(p);
    p.start();
    this.changes.update((s) => s.processes.push(describeProcess(name, p.pid!)));
    return p;
  }

  private async boot(): Promise<void> {
    process.on('exit', this.onExit);
    const { layout: l, parts, changes, cluster } = this;
    const t0 = Date.now();
    const step = (what: string) => this.log(`  ${what} (${((Date.now() - t0) / 1000).toFixed(1)}s)`);
    for (const dir of ['logs', 'run', 'cni/net.d', 'kubelet/root', 'containerd'])
      mkdirSync(path.join(l.lab, dir), { recursive: true });

    // Pods reach the API server as in a cluster: at the `kubernetes` Service's ClusterIP, port 443.
    // Only from the bridge and only that address and port, to the API server on the bridge address:
    // a local address, so the packet is delivered here, never forwarded (forwarding is off on the bridge).
    step(`translating ${kubernetesServiceIp}:443 from Pods to the API server ${l.bridgeIp}:${cluster.apiserverPort}`);
    changes.addNatRule(kubernetesServiceRule(l, cluster.apiserverPort));

    changes.recordSysctls();
    step(`making cgroup ${l.cgroupRoot} and the kubelet's fixed paths`);
    this.makeCgroups();
    // Paths the kubelet, libcni and containerd's shims use whatever they are configured with.
    const devicePlugins = '/var/lib/kubelet/device-plugins';
    changes.ensurePath(devicePlugins, [
      `${devicePlugins}/kubelet.sock`,
      `${devicePlugins}/kubelet_internal_checkpoint`,
    ]);
    changes.ensurePath('/var/lib/cni', [`/var/lib/cni/results/${cniNetworkName}-*`], true);
    changes.ensurePath('/run/containerd', ['/run/containerd/s', '/run/containerd/fifo']);

    step('starting containerd');
    writeFileSync(path.join(l.lab, 'containerd/config.toml'), containerdConfig(l));
    mkdirSync(path.join(registryConfigDir(l), '_default'), { recursive: true });
    writeFileSync(path.join(registryConfigDir(l), '_default/hosts.toml'), registryHosts());
    writeFileSync(path.join(l.lab, 'cni/net.d/10-awh-node.conflist'), cniConfig(l));
    changes.update((s) => (s.containerdSocket = containerdSocket(l)));
    this.add('containerd', parts.containerd, ['--config', path.join(l.lab, 'containerd/config.toml')], {
      ...process.env,
      PATH: `${parts.binDir}:${process.env.PATH}`,
    });
    await this.waitFor('containerd', async () => (await this.ctr(['version'])).includes('Server'));

    step('importing the local images (busybox:1.36, nginx:1.25.3, pause:3.10: Debian builds, see VERSIONS)');
    for (const tar of [parts.images.pause, parts.images.busybox, parts.images.nginx])
      await this.ctr(['images', 'import', '--no-unpack=false', tar]);

    step('starting CoreDNS for cluster.local');
    const [healthPort, readyPort] = [await freePort(), await freePort()];
    const corefilePath = path.join(l.lab, 'Corefile');
    writeFileSync(
      corefilePath,
      corefile(l, cluster.userKubeconfig('coredns', 'system:masters'), healthPort, readyPort),
    );
    this.add('coredns', parts.coredns, ['-conf', corefilePath]);

    step('starting the kubelet');
    const kubeletDir = path.join(l.lab, 'kubelet');
    writeFileSync(path.join(kubeletDir, 'config.yaml'), kubeletConfig(l, cluster.pki.caCert));
    this.add('kubelet', parts.kubelet, [
      `--config=${path.join(kubeletDir, 'config.yaml')}`,
      `--kubeconfig=${cluster.userKubeconfig(`system:node:${l.nodeName}`, 'system:nodes')}`,
      `--root-dir=${path.join(kubeletDir, 'root')}`,
      `--cert-dir=${path.join(kubeletDir, 'pki')}`,
      `--hostname-override=${l.nodeName}`,
      `--node-ip=${l.bridgeIp}`,
      `--node-labels=${Object.entries(nodeLabels)
        .map(([k, v]) => `${k}=${v}`)
        .join(',')}`,
      '--v=1',
    ]);
    await this.waitFor(`Node ${l.nodeName} Ready`, async () => {
      const ready = await cluster.kubectl([
        'get',
        'node',
        l.nodeName,
        '-o',
        'jsonpath={.status.conditions[?(@.type=="Ready")].status}',
      ]);
      return ready === 'True';
    });
    // The control plane runs no node lifecycle controller, so the taint admission put on the
    // new Node would never be lifted.
    await cluster.kubectl(['taint', 'nodes', l.nodeName, 'node.kubernetes.io/not-ready:NoSchedule-']).catch(() => '');
    await this.waitFor('CoreDNS ready', async () => (await fetch(`http://127.0.0.1:${readyPort}/ready`)).ok);
    step('real node ready');
  }

  /**
   * makeCgroups makes the kubelet's cgroup root in every hierarchy (v1, and the unified one beside
   * them where the host mounts it: runc puts containers there too) or once (v2).
   */
  private makeCgroups(): void {
    const base = '/sys/fs/cgroup';
    const v2 = readFileOr(`${base}/cgroup.controllers`) !== undefined;
    const hierarchies = v2
      ? [base]
      : readFileSync('/proc/self/mountinfo', 'utf8')
          .split('\n')
          .filter((line) => / - cgroup2? /.test(line))
          .map((line) => line.split(' ')[4]);
    for (const h of hierarchies) {
      const dir = path.join(h, this.layout.cgroupRoot);
      this.changes.ensureCgroup(dir);
      // A new cpuset cgroup has no CPUs or memory nodes: no task could join it.
      for (const f of ['cpuset.cpus', 'cpuset.mems']) {
        const parent = readFileOr(path.join(h, f));
        if (parent !== undefined && !v2) writeFileSync(path.join(dir, f), parent);
      }
    }
  }

  private async waitFor(what: string, check: () => Promise<boolean>): Promise<void> {
    const deadline = Date.now() + startTimeoutMs;
    for (;;) {
      const dead = this.procs.map((p) => p.failure()).find(Boolean);
      if (dead) throw new Error(`real node: ${dead}`);
      if (await check().catch(() => false)) return;
      if (Date.now() > deadline) {
        const logs = this.procs.map((p) => `--- ${p.name}\n${p.tail(8)}`).join('\n');
        throw new Error(
          `real node: gave up waiting for ${what} after ${startTimeoutMs / 1000}s. Recent logs:\n${logs}`,
        );
      }
      await sleep(200);
    }
  }
}

/**
 * makeNetwork makes the bridge (the node's address) and blackholes the Service range on the host,
 * each recorded before it is made. Forwarding is off for packets from the bridge, whatever the
 * host's ip_forward: a Pod's packet can only reach other Pods (bridged) and this machine.
 */
function makeNetwork(l: NodeLayout, changes: HostChanges, log: (line: string) => void): void {
  log(`  making bridge ${l.bridge} ${l.bridgeIp}/24 and blackholing the Service range ${l.serviceCidr}`);
  if (ipLinkExists(l.bridge))
    throw new Error(
      `a network link named ${l.bridge} exists and no run of ours recorded it; if it is a leftover, delete it with 'ip link del ${l.bridge}'`,
    );
  changes.update((s) => (s.bridge = l.bridge));
  ip('link', 'add', l.bridge, 'type', 'bridge');
  // The bridge's own setting, gone with it: nothing that arrives from a Pod is routed onward.
  writeFileSync(`/proc/sys/net/ipv4/conf/${l.bridge}/forwarding`, '0');
  ip('addr', 'add', `${l.bridgeIp}/24`, 'dev', l.bridge);
  ip('link', 'set', l.bridge, 'up');
  // A packet to a ClusterIP that nothing translates must not follow the default route out.
  const blackhole = ['blackhole', l.serviceCidr];
  if (ip('route', 'show', l.serviceCidr).trim() === '') {
    changes.update((s) => s.routes.push(blackhole));
    ip('route', 'add', ...blackhole);
  }
}

/** The nat rule that takes Pods' connections to the `kubernetes` Service to the API server. */
export function kubernetesServiceRule(l: NodeLayout, apiserverPort: number): string[] {
  return [
    'PREROUTING',
    '-i',
    l.bridge,
    '-d',
    `${kubernetesServiceIp}/32`,
    '-p',
    'tcp',
    '--dport',
    '443',
    '-m',
    'comment',
    '--comment',
    'appwithhelpers-real-node: the kubernetes Service',
    '-j',
    'DNAT',
    '--to-destination',
    `${l.bridgeIp}:${apiserverPort}`,
  ];
}

function ipLinkExists(name: string): boolean {
  try {
    ip('link', 'show', name);
    return true;
  } catch {
    return false;
  }
}

function readFileOr(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return undefined;
  }
}

function run(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${path.basename(command)} ${args.join(' ')}: ${stderr.trim() || err.message}`));
      else resolve(stdout);
    });
  });
}
