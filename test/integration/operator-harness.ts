import { AppWithHelpersOperator } from '../../src/controller/operator';
import type { RenderOptions } from '../../src/core/render';
import { createLogger } from '../../src/obs/logger';
import { Metrics } from '../../src/obs/metrics';
import { parseSettings } from '../../src/settings';
import { ControlPlane, sleep } from '../../hack/cluster/control-plane';

export { installCrd } from '../../hack/cluster/install-crd';

export interface RunningOperator {
  operator: AppWithHelpersOperator;
  /** Every write it sent, as "VERB code path" (access reviews are not writes: nothing is stored). */
  writes: string[];
  metrics: Metrics;
  stop(): Promise<void>;
}

/** startOperator runs the operator in this process against the cluster, watching `namespace`. */
export async function startOperator(
  cluster: ControlPlane,
  namespace: string,
  options: { flags?: string[]; render?: Partial<RenderOptions> } = {},
): Promise<RunningOperator> {
  process.env.KUBECONFIG = cluster.kubeconfig; // the framework's Operator loads the default kubeconfig
  const writes: string[] = [];
  const metrics = new Metrics();
  const settings = parseSettings([`--namespaces=${namespace}`, ...(options.flags ?? [])], {
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'error',
  });
  const operator = new AppWithHelpersOperator(settings, createLogger(settings.logLevel), {
    metrics,
    render: options.render,
    onRequest: (verb, code, path) => {
      // Access reviews at start are questions, not writes: the API server stores nothing.
      if (
        verb !== 'GET' &&
        verb !== 'WATCH' &&
        !path.startsWith('/apis/authorization.k8s.io/') &&
        !path.startsWith('/apis/authentication.k8s.io/')
      )
        writes.push(`${verb} ${code} ${path}`);
    },
  });
  await operator.start();
  return { operator, writes, metrics, stop: () => operator.shutdown() };
}

/** reconcileOutcomes counts the reconciles a running operator finished, by outcome (errors of every kind together). */
export async function reconcileOutcomes(op: RunningOperator): Promise<Record<string, number>> {
  const { values } = await op.metrics.reconciles.get();
  const outcomes: Record<string, number> = {};
  for (const v of values) outcomes[String(v.labels.result)] = (outcomes[String(v.labels.result)] ?? 0) + v.value;
  return outcomes;
}

export interface AwhRow {
  status: string;
  ready: string;
  init: string;
  sidecars: string;
  restarts: string;
}

/** awhRow is what `kubectl get awh NAME` prints, column by column (<none> where a column is still empty). */
export async function awhRow(cluster: ControlPlane, ns: string, name: string): Promise<AwhRow | undefined> {
  const columns =
    'STATUS:.status.podStatus,READY:.status.ready,INIT:.status.initProgress,SIDECARS:.status.sidecarsReady,RESTARTS:.status.restarts';
  const out = (
    await cluster.kubectl([
      'get',
      'awh',
      '-n',
      ns,
      name,
      '--no-headers',
      '--ignore-not-found',
      '-o',
      `custom-columns=${columns}`,
    ])
  ).trim();
  if (!out) return undefined;
  const [status, ready, init, sidecars, restarts] = out.split(/\s+/);
  return { status, ready, init, sidecars, restarts };
}

/** watchAwh polls `kubectl get awh` until done() holds; returns the distinct STATUS values seen. */
export async function watchAwh(
  cluster: ControlPlane,
  ns: string,
  name: string,
  done: (r: AwhRow) => boolean,
  timeoutMs = 60_000,
): Promise<string[]> {
  const seen: string[] = [];
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const row = await awhRow(cluster, ns, name);
    if (row && row.status !== '<none>' && seen[seen.length - 1] !== row.status) seen.push(row.status);
    if (row && done(row)) return seen;
    if (Date.now() > deadline)
      throw new Error(
        `awh ${ns}/${name} did not get there in ${timeoutMs}ms; saw ${seen.join(' → ')}; last ${JSON.stringify(row)}`,
      );
    await sleep(50);
  }
}

export async function jsonpath(cluster: ControlPlane, ns: string, resource: string, path: string): Promise<string> {
  return cluster.kubectl(['get', '-n', ns, resource, '-o', `jsonpath=${path}`]);
}

export async function eventually(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what} after ${timeoutMs}ms`);
    await sleep(100);
  }
}
