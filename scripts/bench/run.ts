/**
 * npm run bench: the operator against Kubernetes' own ReplicaSet controller on one control plane
 * (KWOK fast stages), both with the same client rate limit. Writes results.md, results.json and
 * ready-over-time.svg to --out (default bench-results/).
 *
 *   npm run bench                  the full run: P1 at N=100, 500 and 5,000, each at QPS 20/burst 30
 *                                  (kube-controller-manager's default) and 100/150; P5 at 2,000 Pods,
 *                                  P6 at 2,000 and 20,000 Pods (10 per AppWithHelpers); P8 from P1
 *   npm run bench -- --quick       N=20 and small P5/P6: checks the benchmark works (CI)
 *   npm run bench -- --sizes 100,500 --rates 100/150 --scale 20,200   fewer and smaller runs
 *   npm run bench -- --qps 20 --burst 30               one rate limit, as --rates 20/30
 *   npm run bench -- --p1-only --sizes 500 --rates 100/150   P1 (and P2, P8) alone: to compare two versions
 *   npm run bench -- --cpu-prof    also a CPU profile of each operator process, in <out>/cpu-profiles
 *
 * The operator runs from dist/main.js with the node flags of the Dockerfile's ENTRYPOINT.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { KubeHttp } from '../../src/k8s/http';
import { ControlPlane, sleep } from '../../hack/cluster/control-plane';
import { installCrd } from '../../hack/cluster/install-crd';
import { OperatorProcess } from '../../test/integration/operator-process';
import { AuditLog, type AuditCount } from './audit';
import { renderMarkdown, renderSvg, type P1Run, type Results } from './report';
import { Tracker } from './tracker';

const flag = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const quick = process.argv.includes('--quick');
type Rate = { qps: number; burst: number };
const rates: Rate[] = process.argv.includes('--qps')
  ? [{ qps: Number(flag('qps', '100')), burst: Number(flag('burst', '150')) }]
  : flag('rates', '20/30,100/150')
      .split(',')
      .map((r) => ({ qps: Number(r.split('/')[0]), burst: Number(r.split('/')[1]) }));
const sizes = flag('sizes', quick ? '20' : '100,500,5000')
  .split(',')
  .map(Number);
const out = path.resolve(flag('out', quick ? '.bench' : 'bench-results'));
const heapPods = quick ? 100 : 2000;
/** P6: AppWithHelpers of `replicas` Pods each, `small` of them and then `large`. */
const scaleApps = flag('scale', quick ? '2,20' : '200,2000')
  .split(',')
  .map(Number);
const scale = { replicas: 10, small: scaleApps[0], large: scaleApps[1] };
const idleSeconds = quick ? 5 : 60;
/** P2's steady lag is measured once, on the Pods of the largest P1 run of at most 500 objects. */
const lagSize = sizes.filter((n) => n <= 500).pop() ?? sizes[0];
const OPERATOR_USER = 'appwithhelpers-operator';
const RS_USER = 'system:serviceaccount:kube-system:replicaset-controller';
const image = 'busybox:1.36';
/** Workers of both controllers: replicaset-controller's default, given to the operator too. */
const WORKERS = 5;
const CLOCK_TICKS = 100; // getconf CLK_TCK on Linux
/** Profile the operator: each process writes a .cpuprofile when it stops (read it with cpu-profile.ts). */
const cpuProfile = process.argv.includes('--cpu-prof');
/** Only P1, at every size given (with P2 and P8, which come from it). */
const p1Only = process.argv.includes('--p1-only');
const t0 = Date.now();
const say = (line: string) => console.log(`[${((Date.now() - t0) / 1000).toFixed(0).padStart(4)}s] ${line}`);

function podSpec() {
  return {
    initContainers: [
      { name: 'setup', image },
      { name: 'log', image, restartPolicy: 'Always' },
    ],
    containers: [{ name: 'app', image: 'nginx:1.25.3' }],
  };
}

function replicaSet(name: string) {
  const labels = { bench: name };
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name },
    spec: { replicas: 1, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: podSpec() } },
  };
}

function appWithHelpers(name: string, replicas = 1) {
  return {
    apiVersion: 'helpers.dev/v1alpha1',
    kind: 'AppWithHelpers',
    metadata: { name },
    spec: {
      replicas,
      initSteps: [{ name: 'setup', image }],
      sidecars: [{ name: 'log', image }],
      app: { name: 'app', image: 'nginx:1.25.3' },
    },
  };
}

async function createAll(http: KubeHttp, collection: string, objects: object[]): Promise<void> {
  for (let i = 0; i < objects.length; i += 50)
    await Promise.all(objects.slice(i, i + 50).map((o) => http.request('POST', collection, o)));
}

async function namespace(http: KubeHttp, name: string): Promise<void> {
  await http.request('POST', '/api/v1/namespaces', {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name, labels: { bench: 'true' } },
  });
  // Pods are refused until the namespace's default ServiceAccount exists; do not time that.
  for (;;) {
    try {
      await http.request('GET', `/api/v1/namespaces/${name}/serviceaccounts/default`);
      return;
    } catch {
      await sleep(100);
    }
  }
}

/**
 * removeNamespaces deletes namespaces and waits until they (and so their Pods) are gone, so the
 * next run starts quiet. The owners go first and then their Pods at once (grace period 0): Pods
 * deleted gracefully wait for KWOK one by one, which for 20,000 takes many minutes.
 */
async function removeNamespaces(http: KubeHttp, names: string[]): Promise<void> {
  const drop = (p: string, body?: object) => http.request('DELETE', p, body).catch(() => undefined);
  for (const ns of names) {
    await drop(`/apis/helpers.dev/v1alpha1/namespaces/${ns}/appwithhelpers`);
    await drop(`/apis/apps/v1/namespaces/${ns}/replicasets`);
    await drop(`/api/v1/namespaces/${ns}/pods`, { apiVersion: 'v1', kind: 'DeleteOptions', gracePeriodSeconds: 0 });
    await drop(`/api/v1/namespaces/${ns}`);
  }
  const by = Date.now() + 15 * 60_000;
  for (const ns of names)
    while (
      Date.now() < by &&
      (await http.request('GET', `/api/v1/namespaces/${ns}`).then(
        () => true,
        () => false,
      ))
    )
      await sleep(1000);
}

/** cpuSeconds is the user + system CPU time a process has used, from /proc/<pid>/stat. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields from the 3rd (state) on
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS; // utime and stime: fields 14 and 15
}

interface Run {
  /** Until every owner said Ready in its own status, for its current generation. */
  seconds: number;
  /** Until every Pod was Running and Ready. */
  podsSeconds: number;
  readyAt: number[];
  ownersReadyAt: number[];
  lags: number[];
  writesPerObject: number;
  writes: Record<string, number>;
  /** CPU seconds the controller's process used from the first create until its writes settled. */
  cpuSeconds: number;
}

/** converge creates n objects of one kind in a fresh namespace and times them to Ready. */
async function converge(
  http: KubeHttp,
  kind: 'rs' | 'awh',
  n: number,
  ns: string,
  audit: AuditLog,
  pid: number,
  replicas = 1,
): Promise<Run> {
  await namespace(http, ns);
  const tracker = new Tracker(http, ns, kind);
  await tracker.start();
  const cpu0 = cpuSeconds(pid);
  const start = new Date();
  const names = Array.from({ length: n }, (_, i) => `${kind}-${i}`);
  if (kind === 'rs') await createAll(http, `/apis/apps/v1/namespaces/${ns}/replicasets`, names.map(replicaSet));
  else
    await createAll(
      http,
      `/apis/helpers.dev/v1alpha1/namespaces/${ns}/appwithhelpers`,
      names.map((name) => appWithHelpers(name, replicas)),
    );
  await tracker.waitUntil(
    `${n} ${kind} Ready`,
    () => tracker.podReady.size >= n * replicas && tracker.ownerReady.size >= n,
    60 * 60_000,
  );
  tracker.stop();
  const since = (t: number) => (t - start.getTime()) / 1000;
  const writes = await settledWrites(audit, kind === 'rs' ? RS_USER : OPERATOR_USER, start);
  return {
    seconds: since(Math.max(...tracker.ownerReady.values())),
    podsSeconds: since(Math.max(...tracker.podReady.values())),
    readyAt: [...tracker.podReady.values()].map(since).sort((a, b) => a - b),
    ownersReadyAt: [...tracker.ownerReady.values()].map(since).sort((a, b) => a - b),
    lags: tracker.lags().sort((a, b) => a - b),
    writesPerObject: writes.total / n,
    writes: writes.byResource,
    cpuSeconds: cpuSeconds(pid) - cpu0,
  };
}

/**
 * settledWrites counts a controller's writes since start once they have stopped for 3 s, so the
 * writes that trail convergence (a last status, Events sent after the burst) count too.
 */
async function settledWrites(audit: AuditLog, user: string, start: Date): Promise<AuditCount> {
  let last = audit.count(user, start);
  for (let quiet = 0, waited = 0; quiet < 3 && waited < 300; waited++) {
    await sleep(1000);
    const now = audit.count(user, start);
    quiet = now.total === last.total ? quiet + 1 : 0;
    last = now;
  }
  return last;
}

const pct = (sorted: number[], q: number) =>
  Math.round(sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))] ?? NaN);

/** Writes that are not Events: what a controller must send, through its rate limit, before an object is done. */
const criticalWrites = (writes: Record<string, number>) =>
  Object.entries(writes)
    .filter(([what]) => !what.endsWith(' events'))
    .reduce((sum, [, count]) => sum + count, 0);

/**
 * statusLag (P2) marks `count` converged Pods not Ready, one every 30 ms as a kubelet would, and
 * times each until its AppWithHelpers' status says it is not Ready.
 */
async function statusLag(
  http: KubeHttp,
  ns: string,
  count: number,
): Promise<{ n: number; p50Ms: number; p99Ms: number }> {
  const tracker = new Tracker(http, ns, 'awh');
  await tracker.start();
  const pods = (
    await http.request<{ items: Array<{ metadata: { name: string; labels: Record<string, string> } }> }>(
      'GET',
      `/api/v1/namespaces/${ns}/pods`,
    )
  ).items.slice(0, count);
  const sentAt = new Map<string, number>();
  for (const pod of pods) {
    sentAt.set(pod.metadata.labels['helpers.dev/app'], Date.now());
    await http.request(
      'PATCH',
      `/api/v1/namespaces/${ns}/pods/${pod.metadata.name}/status`,
      { status: { conditions: [{ type: 'Ready', status: 'False', reason: 'BenchmarkProbeFailed' }] } },
      'application/strategic-merge-patch+json',
    );
    await sleep(30);
  }
  await tracker.waitUntil(`${count} AppWithHelpers not Ready`, () => tracker.appUnready.size >= pods.length, 120_000);
  tracker.stop();
  const lags = [...sentAt].map(([app, at]) => tracker.appUnready.get(app)! - at).sort((a, b) => a - b);
  return { n: pods.length, p50Ms: pct(lags, 0.5), p99Ms: pct(lags, 0.99) };
}

async function main(): Promise<void> {
  mkdirSync(out, { recursive: true });
  say('building the operator (the benchmark runs dist/main.js, as the image does)');
  execFileSync('npm', ['run', 'build'], { cwd: path.join(__dirname, '../..'), stdio: 'ignore' });
  const rateArgs = (r: Rate) => [`--kube-api-qps=${r.qps}`, `--kube-api-burst=${r.burst}`];
  say(`starting a control plane (fast stages, 10 nodes); replicaset-controller in a controller manager of its own`);
  const dir = path.join(os.tmpdir(), `awh-bench-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  const auditFile = path.join(dir, 'audit.log');
  const loadAtStart = os.loadavg()[0];
  const cluster = await ControlPlane.start({
    stages: 'fast',
    nodes: 10,
    auditLog: auditFile,
    // The garbage collector, namespace controller and the rest clean up between runs: not measured, so not throttled.
    controllerManagerArgs: ['--kube-api-qps=500', '--kube-api-burst=1000'],
    replicaSetControllerArgs: [...rateArgs(rates[0]), `--concurrent-replicaset-syncs=${WORKERS}`],
    // The scheduler's default 50 binds a second would bound both controllers below their rate limit.
    schedulerArgs: ['--kube-api-qps=1000', '--kube-api-burst=2000'],
  });
  const audit = new AuditLog(auditFile);
  const startOperator = (r: Rate) =>
    new OperatorProcess(
      'operator',
      // As many workers as replicaset-controller has (kube-controller-manager's --concurrent-replicaset-syncs=5).
      ['--probe-port=0', `--qps=${r.qps}`, `--burst=${r.burst}`, `--concurrency=${WORKERS}`, '--log-level=info'],
      cluster.userKubeconfig(OPERATOR_USER),
      'built',
      [
        ...imageNodeFlags(),
        '--expose-gc',
        '--require',
        path.join(__dirname, 'heap-probe.js'),
        ...(cpuProfile ? ['--cpu-prof', `--cpu-prof-dir=${path.join(out, 'cpu-profiles')}`] : []),
      ],
    );
  let op: OperatorProcess | undefined;
  const restartOperator = async (r: Rate) => {
    if (op) {
      op.kill('SIGTERM');
      await op.exited;
    }
    op = startOperator(r);
    await op.waitFor('caches synced', 120_000);
    return op;
  };
  const interrupt = async () => {
    say('interrupted: stopping the operator and the control plane');
    op?.kill('SIGKILL');
    await cluster.stop();
    process.exit(130);
  };
  process.once('SIGINT', () => void interrupt());
  process.once('SIGTERM', () => void interrupt());
  try {
    await installCrd(cluster);
    const kc = new KubeConfig();
    kc.loadFromFile(cluster.kubeconfig);
    const http = new KubeHttp(kc, { qps: 5000, burst: 5000 });

    const results: Results = {
      machine: {
        cpus: os.cpus().length,
        cpu: os.cpus()[0]?.model ?? '?',
        memoryGiB: Math.round(os.totalmem() / 2 ** 30),
        node: process.version,
        kernel: os.release(),
        date: new Date().toISOString(),
        loadAverage: { start: loadAtStart, end: 0 },
      },
      settings: { rates, workers: WORKERS, quick, kubernetes: 'v1.36.3', kwokStages: 'fast', nodes: 10 },
      p1: [],
    };

    // Written after every figure, so a long run that is stopped still leaves what it measured.
    const save = () => {
      results.machine.loadAverage.end = os.loadavg()[0];
      writeFileSync(path.join(out, 'results.json'), JSON.stringify(results, null, 2) + '\n');
      writeFileSync(path.join(out, 'results.md'), renderMarkdown(results));
      if (results.chart) writeFileSync(path.join(out, 'ready-over-time.svg'), renderSvg(results.chart));
    };

    /** P1 at every rate limit for sizes `ns`; the operator and replicaset-controller restart with each rate. */
    const p1 = async (ns: number[]) => {
      for (const rate of rates) {
        say(`rate limit QPS ${rate.qps}, burst ${rate.burst}: restarting the operator and replicaset-controller`);
        await cluster.restartReplicaSetController([...rateArgs(rate), `--concurrent-replicaset-syncs=${WORKERS}`]);
        await restartOperator(rate);
        for (const n of ns) {
          const tag = `${n}-q${rate.qps}`;
          say(`P1 N=${n} QPS ${rate.qps}: ${n} ReplicaSets`);
          const rs = await converge(http, 'rs', n, `bench-rs-${tag}`, audit, cluster.pidOf('replicaset-controller'));
          say(`P1 N=${n} QPS ${rate.qps}: ${n} AppWithHelpers`);
          const awh = await converge(http, 'awh', n, `bench-awh-${tag}`, audit, op!.pid);
          const row: P1Run = {
            n,
            qps: rate.qps,
            burst: rate.burst,
            replicaSet: summary(rs, n, rate),
            operator: summary(awh, n, rate),
          };
          results.p1.push(row);
          if (n === lagSize && rate === rates[rates.length - 1]) {
            results.chart = {
              n,
              qps: rate.qps,
              replicaSet: rs.readyAt,
              replicaSetOwners: rs.ownersReadyAt,
              operator: awh.readyAt,
              operatorOwners: awh.ownersReadyAt,
            };
            say(`P2: a converged Pod marked not Ready → its AppWithHelpers says so`);
            results.p2 = { ...(await statusLag(http, `bench-awh-${tag}`, quick ? 10 : 100)), burstN: n };
          }
          say(
            `   status: ReplicaSet ${rs.seconds.toFixed(2)}s, operator ${awh.seconds.toFixed(2)}s, ratio ${(awh.seconds / rs.seconds).toFixed(2)}` +
              `; all Pods Ready: ${rs.podsSeconds.toFixed(2)}s vs ${awh.podsSeconds.toFixed(2)}s` +
              `; bound share ${(row.operator.boundShare * 100).toFixed(0)}% vs ${(row.replicaSet.boundShare * 100).toFixed(0)}%` +
              `; writes per object ${awh.writesPerObject.toFixed(2)} vs ${rs.writesPerObject.toFixed(2)}` +
              `; CPU s/1000 ${row.operator.cpuPer1000.toFixed(2)} vs ${row.replicaSet.cpuPer1000.toFixed(2)}` +
              `; Pod Ready → Ready p99 ${row.operator.lagP99Ms} ms vs ${row.replicaSet.lagP99Ms} ms`,
          );
          save();
          await removeNamespaces(http, [`bench-rs-${tag}`, `bench-awh-${tag}`]);
        }
      }
    };

    // The sizes up to 500 first, then P4 to P7, then P6 and the largest sizes, which take longest.
    await p1(p1Only ? sizes : sizes.filter((n) => n <= 500));
    if (p1Only) {
      say(`done (--p1-only): ${path.relative(process.cwd(), out)}/results.md`);
      return;
    }

    say(`P4: ${idleSeconds}s of idleness`);
    await sleep(3000);
    const idleFrom = new Date();
    await sleep(idleSeconds * 1000);
    results.p4 = { seconds: idleSeconds, writes: audit.count(OPERATOR_USER, idleFrom, new Date()).total };
    save();

    // A fresh process, as after a deploy: what the P1 bursts made V8 and malloc keep is not counted as the Pods'.
    say(`P5: the heap of a fresh operator at 0 and at ${heapPods} Pods`);
    const afterBursts = await op!.heapAfterGc();
    await restartOperator(rates[rates.length - 1]);
    await sleep(3000);
    const heap0 = await op!.heapAfterGc();
    const p5 = await converge(http, 'awh', heapPods, 'bench-heap', audit, op!.pid);
    await sleep(3000);
    const heapN = await op!.heapAfterGc();
    results.p5 = {
      pods: heapPods,
      heapBytes: heapN.heapUsed,
      emptyHeapBytes: heap0.heapUsed,
      bytesPerPod: heapN.heapUsed / heapPods,
      marginalBytesPerPod: (heapN.heapUsed - heap0.heapUsed) / heapPods,
      rssBytes: heapN.rss,
      emptyRssBytes: heap0.rss,
      rssAfterBurstsBytes: afterBursts.rss,
      convergeSeconds: p5.seconds,
    };
    say(
      `   heap ${mib(heapN.heapUsed)} MiB, RSS ${mib(heapN.rss)} MiB at ${heapPods} Pods (empty: ${mib(heap0.heapUsed)} MiB, RSS ${mib(heap0.rss)} MiB)`,
    );

    save();
    say(`P7: restarting the operator with ${heapPods} converged Pods`);
    const last = rates[rates.length - 1];
    const restartAt = new Date();
    await restartOperator(last);
    const readySeconds = (Date.now() - restartAt.getTime()) / 1000;
    await sleep(10_000);
    results.p7 = {
      pods: heapPods,
      writes: audit.count(OPERATOR_USER, restartAt, new Date()).total,
      secondsToReady: readySeconds,
    };
    save();
    await removeNamespaces(http, ['bench-heap']);

    const p6 = async (apps: number) => {
      say(`P6: ${apps} AppWithHelpers × ${scale.replicas} Pods`);
      const run = await converge(http, 'awh', apps, `bench-scale-${apps}`, audit, op!.pid, scale.replicas);
      await sleep(3000);
      const heap = await op!.heapAfterGc();
      say(`   ${run.seconds.toFixed(2)}s; heap ${mib(heap.heapUsed)} MiB, RSS ${mib(heap.rss)} MiB`);
      await removeNamespaces(http, [`bench-scale-${apps}`]);
      return { pods: apps * scale.replicas, seconds: run.seconds, heapBytes: heap.heapUsed, rssBytes: heap.rss };
    };
    const small = await p6(scale.small);
    const large = await p6(scale.large);
    results.p6 = {
      replicas: scale.replicas,
      small,
      large,
      growth: large.seconds / small.seconds / (large.pods / small.pods),
      qps: last.qps,
    };
    save();
    await p1(sizes.filter((n) => n > 500));
    save();
    say(`done: ${path.relative(process.cwd(), out)}/results.md`);
    console.log('\n' + renderMarkdown(results));
  } finally {
    op?.kill('SIGKILL');
    await cluster.stop();
  }
}

/** The node flags the image starts the operator with (the Dockerfile's ENTRYPOINT): the benchmark measures what runs. */
function imageNodeFlags(): string[] {
  const line = readFileSync(path.join(__dirname, '../../Dockerfile'), 'utf8')
    .split('\n')
    .find((l) => l.startsWith('ENTRYPOINT'));
  const argv = JSON.parse(line?.slice('ENTRYPOINT'.length) ?? '[]') as string[];
  return argv.slice(1, argv.indexOf('dist/main.js'));
}

const mib = (b: number) => (b / 2 ** 20).toFixed(1);

/** summary is what the report keeps of one controller's P1 run. */
function summary(run: Run, n: number, rate: Rate): P1Run['operator'] {
  const critical = criticalWrites(run.writes) / n;
  const boundSeconds = (n * critical) / rate.qps;
  return {
    seconds: run.seconds,
    podsSeconds: run.podsSeconds,
    writesPerObject: run.writesPerObject,
    criticalWritesPerObject: critical,
    writes: run.writes,
    boundSeconds,
    boundShare: boundSeconds / run.seconds,
    cpuSeconds: run.cpuSeconds,
    cpuPer1000: (run.cpuSeconds / n) * 1000,
    lagP50Ms: pct(run.lags, 0.5),
    lagP99Ms: pct(run.lags, 0.99),
  };
}

main().catch((err) => {
  console.error(`bench: ${(err as Error).message}`);
  process.exit(1);
});
