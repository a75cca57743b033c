import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as https from 'node:https';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { reapAbandoned, writeOwner } from './abandoned';
import { Binaries, ensureBinaries } from './binaries';
import { kubernetesServiceIp, makeClientCert, makePki, Pki } from './pki';
import { ManagedProcess } from './process';

export { kubernetesServiceIp };

export type StageSet = 'fast' | 'realistic';

export interface ControlPlaneOptions {
  /** fast: Pods are Running at once; realistic: a kubelet-like walk through every STATUS. */
  stages?: StageSet;
  /** How many KWOK Nodes to create (default 3). */
  nodes?: number;
  /** Write an audit log at Metadata level to this file (for counting API calls per user). */
  auditLog?: string;
  /** Extra kube-controller-manager flags, e.g. a raised --kube-api-qps for a benchmark. */
  controllerManagerArgs?: string[];
  /**
   * Run replicaset-controller alone in a kube-controller-manager of its own, with these extra flags
   * (the main one runs the garbage collector and the rest), so a benchmark can read its CPU time
   * apart and restart it with another rate limit. Unset: it runs in the main one, as usual.
   */
  replicaSetControllerArgs?: string[];
  /** Extra kube-scheduler flags, e.g. a raised --kube-api-qps, so binding Pods does not bound a benchmark. */
  schedulerArgs?: string[];
  /** Progress lines for people; silent by default. */
  log?: (line: string) => void;
  /**
   * The address the API server listens on and advertises as the `kubernetes` Service's endpoint
   * (default 127.0.0.1). It must be on this machine; a real node passes its bridge's, so its
   * Pods reach the API server as in-cluster clients do.
   */
  address?: string;
}

const stagesDir = path.join(__dirname, 'stages');
/** ClusterIPs come from here; a real node blackholes it on the host so no such packet can leave. */
export const serviceCidr = '10.96.0.0/16';
const CONTROLLERS = [
  'garbage-collector-controller',
  'replicaset-controller',
  'deployment-controller',
  'namespace-controller',
  'serviceaccount-controller',
  'serviceaccount-token-controller',
  'root-ca-certificate-publisher-controller',
  'clusterrole-aggregation-controller',
  'endpointslice-controller',
];
const startTimeoutMs = 90_000;

/**
 * ControlPlane runs etcd, kube-apiserver, kube-controller-manager, kube-scheduler and KWOK as
 * plain processes on 127.0.0.1 (the API server on `address`), on free ports, so two can run at once.
 */
export class ControlPlane {
  readonly kubeconfig: string;
  readonly server: string;
  etcdUrl = '';
  private readonly procs: ManagedProcess[] = [];
  private readonly onExit = () => this.procs.forEach((p) => p.killNow());

  private constructor(
    readonly dir: string,
    readonly binaries: Binaries,
    readonly pki: Pki,
    readonly apiserverPort: number,
    private readonly options: Required<Omit<ControlPlaneOptions, 'auditLog' | 'replicaSetControllerArgs'>> &
      Pick<ControlPlaneOptions, 'auditLog' | 'replicaSetControllerArgs'>,
  ) {
    this.kubeconfig = path.join(dir, 'kubeconfig');
    this.server = `https://${options.address}:${apiserverPort}`;
  }

  /** The address the API server listens on and advertises (see ControlPlaneOptions.address). */
  get address(): string {
    return this.options.address;
  }

  static async start(options: ControlPlaneOptions = {}): Promise<ControlPlane> {
    const opts = {
      stages: options.stages ?? 'realistic',
      nodes: options.nodes ?? 3,
      log: options.log ?? (() => undefined),
      auditLog: options.auditLog,
      controllerManagerArgs: options.controllerManagerArgs ?? [],
      replicaSetControllerArgs: options.replicaSetControllerArgs,
      schedulerArgs: options.schedulerArgs ?? [],
      address: options.address ?? '127.0.0.1',
    };
    const binaries = await ensureBinaries();
    const base = existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir(); // tmpfs keeps etcd fast
    reapAbandoned(base, 'awh-cluster-', opts.log);
    const dir = mkdtempSync(path.join(base, 'awh-cluster-'));
    mkdirSync(path.join(dir, 'logs'));
    const cluster = new ControlPlane(dir, binaries, makePki(dir, [opts.address]), await freePort(), opts);
    try {
      await cluster.boot();
    } catch (err) {
      await cluster.stop();
      throw err;
    }
    return cluster;
  }

  /** The processes this control plane runs, in start order. */
  processes(): readonly ManagedProcess[] {
    return this.procs;
  }

  /** PIDs of every process this control plane started and that still runs. */
  pids(): number[] {
    return this.procs.filter((p) => p.running).map((p) => p.pid!);
  }

  /** userKubeconfig writes a kubeconfig for a user of its own (O=group, CN=user), so the audit log tells it apart. */
  userKubeconfig(user: string, group = 'system:masters'): string {
    return this.writeKubeconfig(`${user}.kubeconfig`, ...makeClientCert(this.dir, user, `/O=${group}/CN=${user}`));
  }

  /** Runs the built kubectl (the server's version) against this cluster. */
  kubectl(args: string[], input?: string): Promise<string> {
    return run(this.binaries.kubectl, ['--kubeconfig', this.kubeconfig, ...args], input);
  }

  /** Runs the built helm against this cluster. */
  helm(args: string[]): Promise<string> {
    return run(this.binaries.helm, ['--kubeconfig', this.kubeconfig, ...args], undefined, {
      HELM_CACHE_HOME: path.join(this.dir, 'helm', 'cache'),
      HELM_CONFIG_HOME: path.join(this.dir, 'helm', 'config'),
      HELM_DATA_HOME: path.join(this.dir, 'helm', 'data'),
    });
  }

  /** The PID of a running process of this control plane, e.g. 'replicaset-controller' when it runs apart. */
  pidOf(name: string): number {
    const p = this.process(name);
    if (!p.running) throw new Error(`${name} is not running`);
    return p.pid!;
  }

  /** Restarts the apart replicaset-controller (see replicaSetControllerArgs) with other extra flags. */
  async restartReplicaSetController(args: string[]): Promise<void> {
    const old = this.process('replicaset-controller');
    await old.stop();
    this.procs.splice(this.procs.indexOf(old), 1);
    this.startReplicaSetController(args);
  }

  /** Stops the API server alone (for fault tests); everything else keeps running. */
  async stopApiServer(): Promise<void> {
    await this.process('kube-apiserver').stop();
  }

  async startApiServer(): Promise<void> {
    this.process('kube-apiserver').start();
    await this.waitForReadyz();
  }

  /**
   * compactEtcd drops every old revision from etcd (as its periodic compaction does), so a watch
   * asking to resume from before now is answered 410 Gone. Returns the revision compacted to.
   * Call it with the API server stopped, or its own watch cache may still answer.
   */
  async compactEtcd(): Promise<number> {
    const post = async (api: string, body: object) => {
      const res = await fetch(`${this.etcdUrl}/v3/kv/${api}`, { method: 'POST', body: JSON.stringify(body) });
      if (!res.ok) throw new Error(`etcd ${api}: ${res.status} ${await res.text()}`);
      return res.json() as Promise<{ header: { revision: string } }>;
    };
    // A write of our own first: the revision then is past anything the API server has served.
    const b64 = (text: string) => Buffer.from(text).toString('base64');
    const revision = Number(
      (await post('put', { key: b64('/awh-test/compaction-marker'), value: b64(String(Date.now())) })).header.revision,
    );
    await post('compaction', { revision, physical: true });
    return revision;
  }

  /** Stops every process this control plane started and removes its folder. */
  async stop(): Promise<void> {
    for (const p of [...this.procs].reverse()) await p.stop();
    process.removeListener('exit', this.onExit);
    rmSync(this.dir, { recursive: true, force: true });
  }

  private process(name: string): ManagedProcess {
    const found = this.procs.find((p) => p.name === name);
    if (!found) throw new Error(`no ${name} in this control plane`);
    return found;
  }

  private add(name: string, command: string, args: string[], env?: NodeJS.ProcessEnv): ManagedProcess {
    const p = new ManagedProcess(name, command, args, path.join(this.dir, 'logs', `${name}.log`), env);
    this.procs.push(p);
    p.start();
    writeOwner(
      this.dir,
      this.procs.filter((q) => q.pid !== undefined).map((q) => [q.name, q.pid!]),
    );
    return p;
  }

  private async boot(): Promise<void> {
    process.on('exit', this.onExit);
    const { binaries: bin, pki, dir, options } = this;
    const t0 = Date.now();
    const step = (what: string) => options.log(`  ${what} (${((Date.now() - t0) / 1000).toFixed(1)}s)`);
    const [etcdPort, etcdPeerPort, kwokPort] = [await freePort(), await freePort(), await freePort()];

    this.etcdUrl = `http://127.0.0.1:${etcdPort}`;
    step('starting etcd');
    this.add('etcd', bin.etcd, [
      '--name=default',
      `--data-dir=${path.join(dir, 'etcd')}`,
      `--listen-client-urls=http://127.0.0.1:${etcdPort}`,
      `--advertise-client-urls=http://127.0.0.1:${etcdPort}`,
      `--listen-peer-urls=http://127.0.0.1:${etcdPeerPort}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeerPort}`,
      `--initial-cluster=default=http://127.0.0.1:${etcdPeerPort}`,
      '--unsafe-no-fsync',
      '--log-level=warn',
    ]);

    step('starting kube-apiserver');
    const audit = options.auditLog
      ? [
          `--audit-policy-file=${this.writeAuditPolicy()}`,
          `--audit-log-path=${options.auditLog}`,
          '--audit-log-format=json',
          '--audit-log-mode=blocking',
          // Not rotated (the default rotates at 100 MB): a benchmark reads it on from where it left off.
          '--audit-log-maxsize=1000000',
        ]
      : [];
    this.add('kube-apiserver', bin.kubeApiserver, [
      `--etcd-servers=http://127.0.0.1:${etcdPort}`,
      `--secure-port=${this.apiserverPort}`,
      `--bind-address=${options.address}`,
      `--advertise-address=${options.address}`,
      `--tls-cert-file=${pki.serverCert}`,
      `--tls-private-key-file=${pki.serverKey}`,
      `--client-ca-file=${pki.caCert}`,
      `--service-account-key-file=${pki.serviceAccountPub}`,
      `--service-account-signing-key-file=${pki.serviceAccountKey}`,
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      `--service-cluster-ip-range=${serviceCidr}`,
      // For kubectl logs/exec on a real node: dial its InternalIP (a loopback one is refused by
      // the kubelet) and present a certificate the kubelet's webhook authorizer accepts.
      '--kubelet-preferred-address-types=InternalIP',
      `--kubelet-client-certificate=${pki.adminCert}`,
      `--kubelet-client-key=${pki.adminKey}`,
      '--authorization-mode=Node,RBAC',
      '--allow-privileged=true',
      '--profiling=false',
      `--cert-dir=${path.join(dir, 'apiserver-certs')}`,
      ...audit,
    ]);
    await this.waitForReadyz();

    // Each component gets its own identity, so RBAC and the audit log see who did what.
    this.writeKubeconfig('kubeconfig', pki.adminCert, pki.adminKey);
    const kcm = this.writeKubeconfig(
      'controller-manager.kubeconfig',
      ...makeClientCert(dir, 'controller-manager', '/CN=system:kube-controller-manager'),
    );
    const scheduler = this.writeKubeconfig(
      'scheduler.kubeconfig',
      ...makeClientCert(dir, 'scheduler', '/CN=system:kube-scheduler'),
    );
    const kwok = this.writeKubeconfig(
      'kwok.kubeconfig',
      ...makeClientCert(dir, 'kwok', '/O=system:masters/CN=kwok-controller'),
    );

    step('starting kube-controller-manager and kube-scheduler');
    const apart = options.replicaSetControllerArgs !== undefined;
    this.add('kube-controller-manager', bin.kubeControllerManager, [
      `--kubeconfig=${kcm}`,
      '--leader-elect=false',
      '--secure-port=0',
      `--controllers=${CONTROLLERS.filter((c) => !(apart && c === 'replicaset-controller')).join(',')}`,
      `--service-account-private-key-file=${pki.serviceAccountKey}`,
      `--root-ca-file=${pki.caCert}`,
      '--use-service-account-credentials=true',
      ...options.controllerManagerArgs,
    ]);
    if (apart) this.startReplicaSetController(options.replicaSetControllerArgs!);
    this.add('kube-scheduler', bin.kubeScheduler, [
      `--kubeconfig=${scheduler}`,
      '--leader-elect=false',
      '--secure-port=0',
      ...options.schedulerArgs,
    ]);

    step(`starting KWOK with the ${options.stages} stages`);
    // HOME points into our folder: KWOK would otherwise also load ~/.kwok/kwok.yaml.
    this.add(
      'kwok',
      bin.kwok,
      [
        `--kubeconfig=${kwok}`,
        '--manage-all-nodes=false',
        '--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake',
        `--config=${path.join(stagesDir, 'nodes.yaml')}`,
        `--config=${path.join(stagesDir, `${options.stages}.yaml`)}`,
        `--server-address=127.0.0.1:${kwokPort}`,
        '--cidr=10.0.0.1/16',
        '--node-ip=10.255.0.1',
      ],
      { ...process.env, HOME: dir },
    );

    step(`creating ${options.nodes} KWOK Nodes`);
    const nodes = Array.from({ length: options.nodes }, (_, i) => kwokNode(`kwok-node-${i}`)).join('---\n');
    await this.kubectl(['apply', '-f', '-'], nodes);
    // Admission taints new Nodes not-ready; the node lifecycle controller would lift it, but it
    // also evicts Pods from Nodes whose heartbeat is late, which a simulated Node should not risk.
    await this.kubectl(['taint', 'nodes', '--all', 'node.kubernetes.io/not-ready:NoSchedule-']);
    await this.waitFor('Nodes Ready', async () => {
      const out = await this.kubectl([
        'get',
        'nodes',
        '-o',
        'jsonpath={range .items[*]}{.status.conditions[?(@.type=="Ready")].status}{"\\n"}{end}',
      ]);
      const ready = out.split('\n').filter((s) => s === 'True').length;
      return ready === options.nodes;
    });
    await this.waitFor(
      'the default ServiceAccount',
      async () =>
        (await this.kubectl(['get', 'serviceaccount', 'default', '--ignore-not-found', '-o', 'name'])).trim() !== '',
    );
    step('ready');
  }

  private startReplicaSetController(args: string[]): void {
    this.add('replicaset-controller', this.binaries.kubeControllerManager, [
      `--kubeconfig=${path.join(this.dir, 'controller-manager.kubeconfig')}`,
      '--leader-elect=false',
      '--secure-port=0',
      '--controllers=replicaset-controller',
      '--use-service-account-credentials=true',
      ...args,
    ]);
  }

  private writeKubeconfig(file: string, cert: string, key: string): string {
    const target = path.join(this.dir, file);
    writeFileSync(
      target,
      [
        'apiVersion: v1',
        'kind: Config',
        'current-context: appwithhelpers-test',
        'clusters:',
        '- name: appwithhelpers-test',
        '  cluster:',
        `    server: ${this.server}`,
        `    certificate-authority: ${this.pki.caCert}`,
        'users:',
        '- name: user',
        '  user:',
        `    client-certificate: ${cert}`,
        `    client-key: ${key}`,
        'contexts:',
        '- name: appwithhelpers-test',
        '  context: {cluster: appwithhelpers-test, user: user}',
        '',
      ].join('\n'),
    );
    return target;
  }

  private writeAuditPolicy(): string {
    const file = path.join(this.dir, 'audit-policy.yaml');
    writeFileSync(
      file,
      'apiVersion: audit.k8s.io/v1\nkind: Policy\nomitStages: [RequestReceived]\nrules:\n- level: Metadata\n',
    );
    return file;
  }

  private async waitForReadyz(): Promise<void> {
    const get = () =>
      new Promise<boolean>((resolve) => {
        const req = https.get(
          {
            host: this.address,
            port: this.apiserverPort,
            path: '/readyz',
            ca: readFileSync(this.pki.caCert),
            cert: readFileSync(this.pki.adminCert),
            key: readFileSync(this.pki.adminKey),
            timeout: 2000,
          },
          (res) => {
            res.resume();
            resolve(res.statusCode === 200);
          },
        );
        req.on('error', () => resolve(false));
        req.on('timeout', () => {
          req.destroy();
          resolve(false);
        });
      });
    await this.waitFor('kube-apiserver /readyz', get);
  }

  private async waitFor(what: string, check: () => Promise<boolean>): Promise<void> {
    const deadline = Date.now() + startTimeoutMs;
    for (;;) {
      const dead = this.procs.map((p) => p.failure()).find(Boolean);
      if (dead) throw new Error(`control plane: ${dead}`);
      if (await check().catch(() => false)) return;
      if (Date.now() > deadline) {
        const logs = this.procs.map((p) => `--- ${p.name}\n${p.tail(5)}`).join('\n');
        throw new Error(
          `control plane: gave up waiting for ${what} after ${startTimeoutMs / 1000}s. Recent logs:\n${logs}`,
        );
      }
      await sleep(100);
    }
  }
}

function kwokNode(name: string): string {
  return [
    'apiVersion: v1',
    'kind: Node',
    'metadata:',
    `  name: ${name}`,
    '  annotations: {kwok.x-k8s.io/node: fake, node.alpha.kubernetes.io/ttl: "0"}',
    `  labels: {type: kwok, kubernetes.io/hostname: ${name}, kubernetes.io/os: linux, kubernetes.io/arch: amd64}`,
    'status: {}',
    '',
  ].join('\n');
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** freePort asks the kernel for a port nobody listens on. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

function run(command: string, args: string[], input?: string, env?: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      command,
      args,
      { env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err)
          reject(
            new Error(
              `${path.basename(command)} ${args.filter((a) => !a.includes('kubeconfig')).join(' ')}: ${stderr.trim() || err.message}`,
            ),
          );
        else resolve(stdout);
      },
    );
    if (input !== undefined) child.stdin?.end(input);
  });
}
