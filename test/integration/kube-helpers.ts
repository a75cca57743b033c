import { ControlPlane, sleep } from '../../hack/cluster/control-plane';

/** createNamespace makes a namespace and waits for its default ServiceAccount (Pods need it). */
export async function createNamespace(
  cluster: ControlPlane,
  name: string,
  labels: Record<string, string> = {},
): Promise<void> {
  const labelLines = Object.entries(labels).map(([k, v]) => `    ${k}: "${v}"`);
  await cluster.kubectl(
    ['apply', '-f', '-'],
    [
      'apiVersion: v1',
      'kind: Namespace',
      'metadata:',
      `  name: ${name}`,
      '  labels:',
      `    test: "true"`,
      ...labelLines,
      '',
    ].join('\n'),
  );
  const deadline = Date.now() + 30_000;
  while (
    (
      await cluster.kubectl(['get', 'serviceaccount', '-n', name, 'default', '--ignore-not-found', '-o', 'name'])
    ).trim() === ''
  ) {
    if (Date.now() > deadline) throw new Error(`no default ServiceAccount in namespace ${name} after 30s`);
    await sleep(100);
  }
}

export interface PodShape {
  init?: string[];
  nativeSidecars?: string[];
  annotations?: Record<string, string>;
  ownerUid?: string;
  ownerName?: string;
}

/** podYaml writes a small Pod: init containers, then native sidecars, then one app container. */
export function podYaml(name: string, shape: PodShape): string {
  const container = (n: string, extra = '') => `  - {name: ${n}, image: busybox:1.36${extra}}`;
  const annotations = Object.entries(shape.annotations ?? {}).map(([k, v]) => `    ${k}: "${v}"`);
  const owner = shape.ownerUid
    ? ['  ownerReferences:', `  - {apiVersion: v1, kind: ConfigMap, name: ${shape.ownerName}, uid: ${shape.ownerUid}}`]
    : [];
  const inits = [
    ...(shape.init ?? []).map((n) => container(n)),
    ...(shape.nativeSidecars ?? []).map((n) => container(n, ', restartPolicy: Always')),
  ];
  return [
    'apiVersion: v1',
    'kind: Pod',
    'metadata:',
    `  name: ${name}`,
    ...(annotations.length ? ['  annotations:', ...annotations] : []),
    ...owner,
    'spec:',
    ...(inits.length ? ['  initContainers:', ...inits] : []),
    '  containers:',
    container('app'),
    '',
  ].join('\n');
}

export interface PodColumns {
  ready: string;
  status: string;
  restarts: string;
}

/**
 * watchPodColumns polls `kubectl get pod` (the server's own printing) until done() holds and
 * returns every row it saw, so a test can assert the STATUS sequence a person would watch.
 */
export async function watchPodColumns(
  cluster: ControlPlane,
  ns: string,
  name: string,
  done: (c: PodColumns) => boolean,
  timeoutMs: number,
): Promise<PodColumns[]> {
  const seen: PodColumns[] = [];
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const out = (await cluster.kubectl(['get', 'pod', '-n', ns, name, '--no-headers', '--ignore-not-found'])).trim();
    if (out) {
      const [, ready, status, restarts] = out.split(/\s+/);
      const cols = { ready, status, restarts };
      seen.push(cols);
      if (done(cols)) return seen;
    }
    if (Date.now() > deadline)
      throw new Error(
        `pod ${ns}/${name} did not get there in ${timeoutMs}ms; saw ${seen
          .map((c) => c.status)
          .filter((s, i, all) => s !== all[i - 1])
          .join(' → ')}`,
      );
    await sleep(50);
  }
}

export interface AwhCondition {
  type: string;
  status: string;
  reason: string;
  message: string;
}

export interface EventItem {
  type: string;
  reason: string;
  message: string;
  count?: number;
}

/** conditionOf is an AppWithHelpers' condition of that type, if its status has one. */
export const conditionOf = (awh: { status?: { conditions?: AwhCondition[] } }, type: string) =>
  awh.status?.conditions?.find((c) => c.type === type);

/** awhEventsOf lists the Events about one AppWithHelpers, as `kubectl get events` does. */
export async function awhEventsOf(cluster: ControlPlane, ns: string, name: string): Promise<EventItem[]> {
  const out = await cluster.kubectl([
    'get',
    'events',
    '-n',
    ns,
    '--field-selector',
    `involvedObject.kind=AppWithHelpers,involvedObject.name=${name}`,
    '-o',
    'json',
  ]);
  return (JSON.parse(out) as { items: EventItem[] }).items;
}
