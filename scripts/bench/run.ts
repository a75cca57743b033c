/**
 * npm run bench: the operator against Kubernetes' own ReplicaSet controller on one control plane
 * (KWOK fast stages), both with the same client rate limit. Writes results.md, results.json and
 * ready-over-time.svg to --out (default bench-results/).
 *
 *   npm run bench                  the full run: P1 at N=100 and 500, P5 at 2,000 Pods, P6 at 5,000
 *   npm run bench -- --quick       N=20 and small P5/P6: checks the benchmark works (CI)
 *   npm run bench -- --qps 20 --burst 30   the rate limit of both controllers (default 100/150)
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { KubeHttp } from '../../src/k8s/http';
import { ControlPlane, sleep } from '../../test/cluster/control-plane';
import { installCrd } from '../../test/cluster/install-crd';
import { OperatorProcess } from '../../test/integration/operator-process';
import { countWrites } from './audit';
import { renderMarkdown, renderSvg, type Results } from './report';
import { Tracker } from './tracker';

const flag = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const quick = process.argv.includes('--quick');
const qps = Number(flag('qps', '100'));
const burst = Number(flag('burst', '150'));
const out = path.resolve(flag('out', quick ? '.bench' : 'bench-results'));
const sizes = quick ? [20] : process.argv.includes('--p1-only') ? [100] : [100, 500];
const heapPods = quick ? 100 : 2000;
const scale = quick ? [20, 200] : [500, 5000];
const idleSeconds = quick ? 5 : 60;
const OPERATOR_USER = 'appwithhelpers-operator';
const RS_USER = 'system:serviceaccount:kube-system:replicaset-controller';
const image = 'busybox:1.36';

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

function appWithHelpers(name: string) {
  return {
    apiVersion: 'helpers.dev/v1alpha1',
    kind: 'AppWithHelpers',
    metadata: { name },
    spec: {
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

interface Run {
  seconds: number;
  readyAt: number[];
  lags: number[];
  writesPerObject: number;
  writes: Record<string, number>;
}

/** converge creates n objects of one kind in a fresh namespace and times them to Ready. */
async function converge(http: KubeHttp, kind: 'rs' | 'awh', n: number, ns: string, audit: string): Promise<Run> {
  await namespace(http, ns);
  const tracker = new Tracker(http, ns, kind === 'awh');
  await tracker.start();
  const start = new Date();
  const names = Array.from({ length: n }, (_, i) => `${kind}-${i}`);
  if (kind === 'rs') await createAll(http, `/apis/apps/v1/namespaces/${ns}/replicasets`, names.map(replicaSet));
  else await createAll(http, `/apis/helpers.dev/v1alpha1/namespaces/${ns}/appwithhelpers`, names.map(appWithHelpers));
  await tracker.waitUntil(
    `${n} ${kind} Ready`,
    () => tracker.podReady.size >= n && (kind === 'rs' || tracker.appReady.size >= n),
    30 * 60_000,
  );
  tracker.stop();
  const done = Math.max(...tracker.podReady.values(), ...tracker.appReady.values());
  const lags = [...tracker.appReady]
    .map(([app, at]) => {
      const pod = [...tracker.podReady].find(([p]) => p.startsWith(`${app}-`));
      return pod ? at - pod[1] : NaN;
    })
    .filter((l) => !Number.isNaN(l));
  const writes = await settledWrites(audit, kind === 'rs' ? RS_USER : OPERATOR_USER, start);
  return {
    seconds: (done - start.getTime()) / 1000,
    readyAt: [...tracker.podReady.values()].map((t) => (t - start.getTime()) / 1000).sort((a, b) => a - b),
    lags,
    writesPerObject: writes.total / n,
    writes: writes.byResource,
  };
}

/**
 * settledWrites counts a controller's writes since start once they have stopped for 3 s, so the
 * writes that trail convergence (a last status, Events sent after the burst) count too.
 */
async function settledWrites(audit: string, user: string, start: Date): Promise<ReturnType<typeof countWrites>> {
  let last = countWrites(audit, user, start);
  for (let quiet = 0, waited = 0; quiet < 3 && waited < 120; waited++) {
    await sleep(1000);
    const now = countWrites(audit, user, start);
    quiet = now.total === last.total ? quiet + 1 : 0;
    last = now;
  }
  return last;
}

const pct = (sorted: number[], q: number) =>
  Math.round(sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))]);

/**
 * statusLag (P2) marks `count` converged Pods not Ready, one every 30 ms as a kubelet would, and
 * times each until its AppWithHelpers' status says it is not Ready.
 */
async function statusLag(
  http: KubeHttp,
  ns: string,
  count: number,
): Promise<{ n: number; p50Ms: number; p99Ms: number }> {
  const tracker = new Tracker(http, ns, true);
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

async function managedPods(http: KubeHttp): Promise<number> {
  const list = await http.request<{ items: unknown[] }>(
    'GET',
    '/api/v1/pods?labelSelector=app.kubernetes.io%2Fmanaged-by%3Dappwithhelpers-operator',
  );
  return list.items.length;
}

async function main(): Promise<void> {
  mkdirSync(out, { recursive: true });
  say('building the operator (the benchmark runs dist/main.js, as the image does)');
  execFileSync('npm', ['run', 'build'], { cwd: path.join(__dirname, '../..'), stdio: 'ignore' });
  say(`starting a control plane (fast stages, 10 nodes), both controllers at QPS ${qps}, burst ${burst}`);
  const dir = path.join(os.tmpdir(), `awh-bench-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  const audit = path.join(dir, 'audit.log');
  const cluster = await ControlPlane.start({
    stages: 'fast',
    nodes: 10,
    auditLog: audit,
    controllerManagerArgs: [`--kube-api-qps=${qps}`, `--kube-api-burst=${burst}`],
  });
  const startOperator = () =>
    new OperatorProcess(
      'operator',
      ['--probe-port=0', `--qps=${qps}`, `--burst=${burst}`, '--log-level=info'],
      cluster.userKubeconfig(OPERATOR_USER),
      'built',
      ['--expose-gc', '--require', path.join(__dirname, 'heap-probe.js')],
    );
  let op: OperatorProcess | undefined;
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
    op = startOperator();
    await op.waitFor('caches synced');

    const results: Results = {
      machine: {
        cpus: os.cpus().length,
        cpu: os.cpus()[0]?.model ?? '?',
        memoryGiB: Math.round(os.totalmem() / 2 ** 30),
        node: process.version,
        kernel: os.release(),
        date: new Date().toISOString(),
      },
      settings: { qps, burst, quick, kubernetes: 'v1.36.3', kwokStages: 'fast', nodes: 10 },
      p1: [],
    };

    for (const n of sizes) {
      say(`P1 N=${n}: ${n} ReplicaSets`);
      const rs = await converge(http, 'rs', n, `bench-rs-${n}`, audit);
      say(`P1 N=${n}: ${n} AppWithHelpers`);
      const awh = await converge(http, 'awh', n, `bench-awh-${n}`, audit);
      results.p1.push({
        n,
        replicaSetSeconds: rs.seconds,
        operatorSeconds: awh.seconds,
        ratio: awh.seconds / rs.seconds,
        operatorWritesPerObject: awh.writesPerObject,
        replicaSetWritesPerObject: rs.writesPerObject,
        operatorWrites: awh.writes,
        replicaSetWrites: rs.writes,
      });
      results.chart = { n, replicaSet: rs.readyAt, operator: awh.readyAt };
      const burst = awh.lags.sort((a, b) => a - b);
      results.p2 = {
        ...(await statusLag(http, `bench-awh-${n}`, quick ? 10 : 100)),
        burstP50Ms: pct(burst, 0.5),
        burstP99Ms: pct(burst, 0.99),
      };
      const ms = op.lines
        .filter((l) => l.message === 'reconciled')
        .map((l) => l.ms as number)
        .sort((a, b) => a - b);
      say(
        `   reconciles so far: ${ms.length}, p50 ${ms[Math.floor(ms.length / 2)]} ms, p99 ${ms[Math.floor(ms.length * 0.99)]} ms, outcomes ${JSON.stringify(op.lines.filter((l) => l.message === 'reconciled').reduce((m: Record<string, number>, l) => ({ ...m, [l.outcome as string]: (m[l.outcome as string] ?? 0) + 1 }), {}))}`,
      );
      say(
        `   ReplicaSet ${rs.seconds.toFixed(2)}s, operator ${awh.seconds.toFixed(2)}s, ratio ${(awh.seconds / rs.seconds).toFixed(2)}; writes per object: operator ${awh.writesPerObject.toFixed(2)}, ReplicaSet ${rs.writesPerObject.toFixed(2)}`,
      );
    }

    say(`P4: ${idleSeconds}s of idleness`);
    await sleep(3000);
    const idleFrom = new Date();
    await sleep(idleSeconds * 1000);
    results.p4 = { seconds: idleSeconds, writes: countWrites(audit, OPERATOR_USER, idleFrom, new Date()).total };

    say('P5: removing the earlier runs, then the heap at 0 and at ' + heapPods + ' Pods');
    for (const n of sizes)
      for (const kind of ['rs', 'awh']) await http.request('DELETE', `/api/v1/namespaces/bench-${kind}-${n}`);
    const emptyBy = Date.now() + 5 * 60_000;
    while ((await managedPods(http)) > 0 && Date.now() < emptyBy) await sleep(1000);
    await sleep(3000);
    const heap0 = await op.heapAfterGc();
    const p5 = await converge(http, 'awh', heapPods, 'bench-heap', audit);
    await sleep(3000);
    const heapN = await op.heapAfterGc();
    results.p5 = {
      pods: heapPods,
      heapBytes: heapN.heapUsed,
      emptyHeapBytes: heap0.heapUsed,
      bytesPerPod: heapN.heapUsed / heapPods,
      marginalBytesPerPod: (heapN.heapUsed - heap0.heapUsed) / heapPods,
      rssBytes: heapN.rss,
      convergeSeconds: p5.seconds,
    };
    say(
      `   heap ${(heapN.heapUsed / 2 ** 20).toFixed(1)} MiB at ${heapPods} Pods (${(heap0.heapUsed / 2 ** 20).toFixed(1)} MiB empty)`,
    );

    say(`P7: restarting the operator with ${heapPods} converged Pods`);
    op.kill('SIGTERM');
    await op.exited;
    const restartAt = new Date();
    op = startOperator();
    await op.waitFor('caches synced', 120_000);
    const readySeconds = (Date.now() - restartAt.getTime()) / 1000;
    await sleep(10_000);
    results.p7 = {
      pods: heapPods,
      writes: countWrites(audit, OPERATOR_USER, restartAt, new Date()).total,
      secondsToReady: readySeconds,
    };

    say(`P6: ${scale[0]} and ${scale[1]} AppWithHelpers`);
    const small = await converge(http, 'awh', scale[0], `bench-scale-${scale[0]}`, audit);
    const large = await converge(http, 'awh', scale[1], `bench-scale-${scale[1]}`, audit);
    results.p6 = {
      small: scale[0],
      large: scale[1],
      smallSeconds: small.seconds,
      largeSeconds: large.seconds,
      growth: large.seconds / small.seconds / (scale[1] / scale[0]),
    };

    writeFileSync(path.join(out, 'results.json'), JSON.stringify(results, null, 2) + '\n');
    writeFileSync(path.join(out, 'results.md'), renderMarkdown(results));
    if (results.chart) writeFileSync(path.join(out, 'ready-over-time.svg'), renderSvg(results.chart));
    say(`done: ${path.relative(process.cwd(), out)}/results.md`);
    console.log('\n' + renderMarkdown(results));
  } finally {
    op?.kill('SIGKILL');
    await cluster.stop();
  }
}

main().catch((err) => {
  console.error(`bench: ${(err as Error).message}`);
  process.exit(1);
});
