import { readFileSync } from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';
import { KubeHttp } from '../../src/k8s/http';
import { sleep } from '../../hack/cluster/control-plane';

type Item = {
  metadata: { name: string; generation?: number; labels?: Record<string, string>; deletionTimestamp?: string };
  spec?: { replicas?: number };
  status?: { observedGeneration?: number; conditions?: Array<{ type: string; status: string }> };
};

/** An admin client that is not rate limited, for a test to set up and look at a cluster quickly. */
export function adminClient(kubeconfig: string): KubeHttp {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  return new KubeHttp(kc, { qps: 5000, burst: 5000 });
}

export const appsPath = (ns: string) => `/apis/helpers.dev/v1alpha1/namespaces/${ns}/appwithhelpers`;

/** Every third AppWithHelpers (by the number its name ends in) runs two Pods. */
export const replicasOf = (name: string) => (Number(/(\d+)$/.exec(name)?.[1] ?? 1) % 3 === 0 ? 2 : 1);

/** A small AppWithHelpers of the guide's combined shape. */
export function anAppWithHelpers(name: string): object {
  return {
    apiVersion: 'helpers.dev/v1alpha1',
    kind: 'AppWithHelpers',
    metadata: { name },
    spec: {
      replicas: replicasOf(name),
      initSteps: [{ name: 'setup', image: 'busybox:1.36' }],
      sidecars: [{ name: 'log', image: 'busybox:1.36' }],
      app: { image: 'nginx:1.25.3' },
    },
  };
}

export const expectedPods = (names: string[]) => names.reduce((sum, name) => sum + replicasOf(name), 0);

export async function createApps(http: KubeHttp, ns: string, names: string[]): Promise<void> {
  for (let i = 0; i < names.length; i += 50) {
    await Promise.all(names.slice(i, i + 50).map((name) => http.request('POST', appsPath(ns), anAppWithHelpers(name))));
  }
}

export async function managedPods(http: KubeHttp, ns: string): Promise<Item[]> {
  return (await http.request<{ items: Item[] }>('GET', `/api/v1/namespaces/${ns}/pods?labelSelector=helpers.dev%2Fapp`))
    .items;
}

/** notConverged names the AppWithHelpers that are not yet Ready, observed and at their Pod count. */
export async function notConverged(http: KubeHttp, ns: string): Promise<string[]> {
  const apps = (await http.request<{ items: Item[] }>('GET', appsPath(ns))).items;
  const pods = new Map<string, number>();
  for (const p of await managedPods(http, ns)) {
    if (p.metadata.deletionTimestamp) continue;
    const app = p.metadata.labels!['helpers.dev/app'];
    pods.set(app, (pods.get(app) ?? 0) + 1);
  }
  return apps
    .filter(
      (a) =>
        !(
          a.status?.observedGeneration === a.metadata.generation &&
          a.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') &&
          pods.get(a.metadata.name) === (a.spec?.replicas ?? 1)
        ),
    )
    .map((a) => a.metadata.name);
}

/** waitConverged waits until every AppWithHelpers in ns has converged; returns the seconds it took. */
export async function waitConverged(http: KubeHttp, ns: string, timeoutMs: number): Promise<number> {
  const t0 = Date.now();
  for (;;) {
    const left = await notConverged(http, ns).catch((err: Error) => [`(could not look: ${err.message})`]);
    if (!left.length) return (Date.now() - t0) / 1000;
    if (Date.now() - t0 > timeoutMs)
      throw new Error(
        `${left.length} AppWithHelpers in ${ns} did not converge in ${timeoutMs / 1000}s: ${left.slice(0, 5).join(', ')}…`,
      );
    await sleep(250);
  }
}

/**
 * untilServing waits until the API server serves AppWithHelpers again: after a restart it is
 * ready before a CRD's storage is (429 "storage is (re)initializing").
 */
export async function untilServing(http: KubeHttp, ns: string, timeoutMs = 60_000): Promise<void> {
  const t0 = Date.now();
  while (
    !(await http.request('GET', appsPath(ns)).then(
      () => true,
      () => false,
    ))
  ) {
    if (Date.now() - t0 > timeoutMs)
      throw new Error(`the API server did not serve AppWithHelpers within ${timeoutMs / 1000}s`);
    await sleep(100);
  }
}

/**
 * untilKubeletsBack waits until a plain Pod runs: after an API server restart KWOK's own watches
 * back off too, and a test that times the operator must not time KWOK's reconnect.
 */
export async function untilKubeletsBack(http: KubeHttp, ns: string, timeoutMs = 120_000): Promise<number> {
  const t0 = Date.now();
  const name = `kubelet-probe-${t0}`;
  await http.request('POST', `/api/v1/namespaces/${ns}/pods`, {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name },
    spec: { containers: [{ name: 'c', image: 'busybox:1.36' }] },
  });
  while (
    (await http.request<{ status?: { phase?: string } }>('GET', `/api/v1/namespaces/${ns}/pods/${name}`)).status
      ?.phase !== 'Running'
  ) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`KWOK did not run a Pod within ${timeoutMs / 1000}s`);
    await sleep(200);
  }
  await http.request('DELETE', `/api/v1/namespaces/${ns}/pods/${name}?gracePeriodSeconds=0`);
  return (Date.now() - t0) / 1000;
}

export interface PodCreates {
  /** Pods the API server created (201), by name: a count above 1 is a Pod created twice. */
  created: Map<string, number>;
  /** Creates refused because the name was taken (409): harmless, and what makes duplicates impossible. */
  alreadyExists: number;
}

/** podCreates reads the audit log: every Pod create `user` sent in `ns`, by outcome. */
export function podCreates(auditLog: string, user: string, ns: string): PodCreates {
  const result: PodCreates = { created: new Map(), alreadyExists: 0 };
  for (const line of readFileSync(auditLog, 'utf8').split('\n')) {
    if (!line.includes('"create"') || !line.includes(user)) continue;
    const e = JSON.parse(line) as {
      stage: string;
      verb: string;
      user: { username: string };
      objectRef?: { resource?: string; subresource?: string; namespace?: string; name?: string };
      responseStatus?: { code?: number };
    };
    if (e.stage !== 'ResponseComplete' || e.verb !== 'create' || e.user.username !== user) continue;
    if (e.objectRef?.resource !== 'pods' || e.objectRef.subresource || e.objectRef.namespace !== ns) continue;
    if (e.responseStatus?.code === 201)
      result.created.set(e.objectRef.name ?? '?', (result.created.get(e.objectRef.name ?? '?') ?? 0) + 1);
    if (e.responseStatus?.code === 409) result.alreadyExists++;
  }
  return result;
}

/** metric reads one counter or gauge from the operator's /metrics (summed over matching series). */
export async function metric(port: number, name: string, labels: Record<string, string> = {}): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^(\w+)(\{[^}]*\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    if (Object.entries(labels).every(([k, v]) => (m[2] ?? '').includes(`${k}="${v}"`))) sum += Number(m[3]);
  }
  return sum;
}
