/**
 * npm run soak: churn for a set time, then check nothing leaked and everything converged.
 *
 *   npm run soak                        10 minutes (checkpoints every 60 s)
 *   npm run soak -- --minutes 60        longer
 *   npm run soak -- --minutes 1.5 --checkpoint-seconds 20    the short run CI does
 *
 * It starts its own control plane (KWOK fast stages) and the operator as a process (with
 * --expose-gc, so the heap can be read after a full GC). Between checkpoints it creates,
 * changes and deletes AppWithHelpers and deletes random Pods. At each checkpoint it stops, puts
 * every AppWithHelpers back, waits until all converged and the operator is quiet, and reads the
 * heap after GC: the same objects at every checkpoint, so a heap that grows is a leak. Passes when the last checkpoint's
 * heap is within 10% of the first's, the operator logged no error and everything converged.
 */
import * as path from 'node:path';
import { KubeHttp } from '../src/k8s/http';
import { ControlPlane, freePort, sleep } from '../hack/cluster/control-plane';
import { installCrd } from '../hack/cluster/install-crd';
import {
  adminClient,
  anAppWithHelpers,
  appsPath,
  managedPods,
  metric,
  waitConverged,
} from '../test/integration/faults-helpers';
import { OperatorProcess } from '../test/integration/operator-process';

const flag = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  const value = i > 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isFinite(value) || value <= 0) {
    console.error(`soak: --${name} needs a positive number, got ${process.argv[i + 1]}`);
    process.exit(2);
  }
  return value;
};
const minutes = flag('minutes', 10);
const checkpointSeconds = flag('checkpoint-seconds', 60);
const apps = flag('apps', 40);
const actionsPerSecond = flag('rate', 5);
const ns = 'soak';
const names = Array.from({ length: apps }, (_, i) => `soak-${i}`);
const TOLERANCE = 0.1;

const t0 = Date.now();
const say = (line: string) => console.log(`[${((Date.now() - t0) / 1000).toFixed(0).padStart(5)}s] ${line}`);
const pick = <T>(items: T[]): T => items[Math.floor(Math.random() * items.length)];

/** One random change of the kinds users and Kubernetes make. */
async function act(http: KubeHttp, counts: Record<string, number>): Promise<void> {
  const name = pick(names);
  const kind = pick(['create', 'update', 'update', 'delete', 'delete-pod', 'delete-pod']);
  counts[kind] = (counts[kind] ?? 0) + 1;
  const ignoreMissing = (err: { status?: number }) => {
    if (err.status !== 404 && err.status !== 409) throw err;
  };
  switch (kind) {
    case 'create':
      await http.request('POST', appsPath(ns), anAppWithHelpers(name)).catch(ignoreMissing);
      break;
    case 'update':
      await http
        .request(
          'PATCH',
          `${appsPath(ns)}/${name}`,
          {
            spec: {
              replicas: 1 + Math.floor(Math.random() * 2),
              app: { env: [{ name: 'REVISION', value: String(Math.floor(Math.random() * 1000)) }] },
            },
          },
          'application/merge-patch+json',
        )
        .catch(ignoreMissing);
      break;
    case 'delete':
      await http.request('DELETE', `${appsPath(ns)}/${name}`).catch(ignoreMissing);
      break;
    case 'delete-pod': {
      const pods = await managedPods(http, ns);
      if (pods.length)
        await http.request('DELETE', `/api/v1/namespaces/${ns}/pods/${pick(pods).metadata.name}`).catch(ignoreMissing);
      break;
    }
  }
}

/** untilQuiet waits until the operator has sent no request for 2 s (its Events drained too). */
async function untilQuiet(port: number): Promise<void> {
  const deadline = Date.now() + 60_000;
  let last = -1;
  for (let quiet = 0; quiet < 4 && Date.now() < deadline;) {
    const now = await metric(port, 'appwithhelpers_api_requests_total');
    quiet = now === last ? quiet + 1 : 0;
    last = now;
    await sleep(500);
  }
}

/** Puts every AppWithHelpers back (deleted ones are created again) and waits until all converged. */
async function settle(http: KubeHttp): Promise<number> {
  const present = new Set(
    (
      await http.request<{ items: Array<{ metadata: { name: string; deletionTimestamp?: string } }> }>(
        'GET',
        appsPath(ns),
      )
    ).items
      .filter((a) => !a.metadata.deletionTimestamp)
      .map((a) => a.metadata.name),
  );
  for (const name of names)
    if (!present.has(name)) await http.request('POST', appsPath(ns), anAppWithHelpers(name)).catch(() => undefined);
  for (;;) {
    const left = (await http.request<{ items: unknown[] }>('GET', appsPath(ns))).items.length;
    if (left === names.length) break; // a deleted one may still be finalizing: create it when it is gone
    await sleep(200);
    for (const name of names) await http.request('POST', appsPath(ns), anAppWithHelpers(name)).catch(() => undefined);
  }
  return waitConverged(http, ns, 120_000);
}

async function main(): Promise<void> {
  say(
    `soak: ${minutes} min, ${apps} AppWithHelpers, ~${actionsPerSecond} changes/s, heap checkpoints every ${checkpointSeconds}s`,
  );
  const cluster = await ControlPlane.start({ stages: 'fast', nodes: 3, log: (l) => say(l.trim()) });
  let op: OperatorProcess | undefined;
  const stop = async (code: number) => {
    op?.kill('SIGKILL');
    await cluster.stop();
    process.exit(code);
  };
  process.once('SIGINT', () => void stop(130));
  try {
    await installCrd(cluster);
    const http = adminClient(cluster.kubeconfig);
    await cluster.kubectl(['create', 'namespace', ns]);
    while (
      !(await http.request('GET', `/api/v1/namespaces/${ns}/serviceaccounts/default`).then(
        () => true,
        () => false,
      ))
    )
      await sleep(100);
    const port = await freePort();
    op = new OperatorProcess(
      'operator',
      [`--namespaces=${ns}`, `--probe-port=${port}`, '--log-level=warn'],
      cluster.userKubeconfig('appwithhelpers-operator'),
      'source',
      ['--expose-gc', '--require', path.join(__dirname, 'bench/heap-probe.js')],
    );
    for (const name of names) await http.request('POST', appsPath(ns), anAppWithHelpers(name));
    await waitConverged(http, ns, 120_000);

    const heaps: number[] = [];
    const counts: Record<string, number> = {};
    const end = Date.now() + minutes * 60_000;
    let round = 0;
    while (Date.now() < end) {
      const roundEnd = Math.min(end, Date.now() + checkpointSeconds * 1000);
      while (Date.now() < roundEnd) {
        await act(http, counts);
        await sleep(1000 / actionsPerSecond);
      }
      const convergeSeconds = await settle(http);
      await untilQuiet(port); // trailing status writes and Events
      const heap = (await op.heapAfterGc()).heapUsed;
      heaps.push(heap);
      round++;
      say(
        `checkpoint ${round}: converged in ${convergeSeconds.toFixed(1)}s; heap after GC ${(heap / 2 ** 20).toFixed(2)} MiB; ${JSON.stringify(counts)}`,
      );
      if (op.lines.some((l) => l.level === 'error')) break;
    }

    const errors = op.lines.filter((l) => l.level === 'error');
    const warnings = op.lines.filter((l) => l.level === 'warn');
    const [first, last] = [heaps[0], heaps[heaps.length - 1]];
    const growth = (last - first) / first;
    const alive = await Promise.race([op.exited.then(() => false), sleep(10).then(() => true)]);
    const converged = await settle(http).then(
      () => true,
      (err: Error) => (say(err.message), false),
    );
    const actions = Object.values(counts).reduce((a, b) => a + b, 0);
    const dropped = await metric(port, 'appwithhelpers_events_dropped_total');
    say(
      `soak: ${actions} changes in ${minutes} min (${JSON.stringify(counts)}); heap after GC ${(first / 2 ** 20).toFixed(2)} → ${(last / 2 ** 20).toFixed(2)} MiB ` +
        `(${growth >= 0 ? '+' : ''}${(growth * 100).toFixed(1)}%, limit ${TOLERANCE * 100}%), checkpoints ${heaps.map((h) => (h / 2 ** 20).toFixed(1)).join(' ')}; ` +
        `${errors.length} error logs, ${warnings.length} warnings, ${dropped} Events dropped; operator ${alive ? 'running' : 'EXITED'}; ${converged ? 'all converged' : 'NOT converged'}`,
    );
    for (const e of errors.slice(0, 5)) say(`error log: ${JSON.stringify(e)}`);
    const byMessage = warnings.reduce(
      (m: Record<string, number>, w) => ({ ...m, [String(w.message)]: (m[String(w.message)] ?? 0) + 1 }),
      {},
    );
    if (warnings.length) say(`warnings by message: ${JSON.stringify(byMessage)}; e.g. ${JSON.stringify(warnings[0])}`);
    const ok = heaps.length >= 2 && growth <= TOLERANCE && errors.length === 0 && alive && converged;
    say(
      ok
        ? 'soak: passed'
        : `soak: FAILED${heaps.length < 2 ? ' (fewer than two checkpoints: raise --minutes or lower --checkpoint-seconds)' : ''}`,
    );
    http.close();
    await stop(ok ? 0 : 1);
  } catch (err) {
    say(`soak: ${(err as Error).message}`);
    await stop(1);
  }
}

void main();
