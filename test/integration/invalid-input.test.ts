/**
 * R6: 1,000 invalid AppWithHelpers applied with kubectl, beside a few valid ones. Each is refused
 * by the API server with a message naming the field it breaks, or accepted and marked
 * Degraded/InvalidSpec with a condition naming the field; the valid neighbours' Pods are untouched.
 * The objects come from test/integration/invalid-specs.ts. Alone:
 *   npx mocha --require tsx/cjs --require test/integration/cluster-hooks.ts --extension ts --timeout 120000 test/integration/invalid-input.test.ts
 * (with --config test/.mocharc.integration.json a file argument adds to the config's spec, so every suite would run).
 */
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { isDeepStrictEqual } from 'node:util';
import { sleep } from '../../hack/cluster/control-plane';
import { invalidCases, judge, type InvalidCase } from './invalid-specs';
import { testCluster } from './cluster-hooks';
import { createNamespace } from './kube-helpers';
import { installCrd, startOperator, type RunningOperator } from './operator-harness';

const ns = 'invalid-input';
const COUNT = 1000;
/** How long the operator may take to mark every accepted object, and to record their Events. */
const MARK_TIMEOUT_MS = 90_000;

const NEIGHBOURS = `
apiVersion: helpers.dev/v1alpha1
kind: AppWithHelpers
metadata: {name: good-plain}
spec:
  replicas: 2
  app: {image: nginx:1.25.3, ports: [{containerPort: 80}]}
---
apiVersion: helpers.dev/v1alpha1
kind: AppWithHelpers
metadata: {name: good-helpers}
spec:
  app: {name: web, image: nginx:1.25.3, volumeMounts: [{name: data, mountPath: /data}]}
  initSteps:
  - {name: config, image: busybox:1.36, command: [sh, -c, 'echo hi > /data/x'], volumeMounts: [{name: data, mountPath: /data}]}
  sidecars:
  - {name: logs, image: busybox:1.36, command: [sleep, infinity]}
  volumes: [{name: data, emptyDir: {}}]
  sharedVolumes: [{name: scratch, mountPath: /scratch}]
  podTemplate: {metadata: {labels: {team: web}}}
---
apiVersion: helpers.dev/v1alpha1
kind: AppWithHelpers
metadata: {name: good-classic}
spec:
  sidecarMode: Classic
  app: {image: nginx:1.25.3}
  sidecars:
  - {name: proxy, image: envoy:1.30, ports: [{containerPort: 9901}]}
`;
const neighbourNames = ['good-plain', 'good-helpers', 'good-classic'];

interface Item {
  metadata: {
    name: string;
    uid: string;
    resourceVersion: string;
    generation?: number;
    labels?: Record<string, string>;
  };
  status?: ItemStatus;
}

/** The parts of an AppWithHelpers' or a Pod's status these tests read. */
interface ItemStatus {
  phase?: string;
  podStatus?: string;
  conditions?: Array<{ type: string; status: string; reason?: string; message?: string }>;
  initContainerStatuses?: Array<{ name: string; restartCount: number }>;
  containerStatuses?: Array<{ name: string; restartCount: number }>;
  [field: string]: unknown;
}

/** What must not change about the neighbours: their objects and their Pods. */
async function snapshot(): Promise<{ apps: Record<string, unknown>; pods: Record<string, unknown> }> {
  const apps = (
    JSON.parse(await testCluster().kubectl(['get', 'awh', '-n', ns, ...neighbourNames, '-o', 'json'])).items as Item[]
  ).map((a) => [
    a.metadata.name,
    { uid: a.metadata.uid, resourceVersion: a.metadata.resourceVersion, status: a.status },
  ]);
  const pods = (
    JSON.parse(await testCluster().kubectl(['get', 'pods', '-n', ns, '-o', 'json'])).items as Array<
      Item & { status: ItemStatus }
    >
  ).map((p) => [
    p.metadata.name,
    {
      uid: p.metadata.uid,
      app: p.metadata.labels?.['helpers.dev/app'],
      resourceVersion: p.metadata.resourceVersion,
      ready: p.status.conditions?.find((c: { type: string }) => c.type === 'Ready')?.status,
      restarts: [...(p.status.initContainerStatuses ?? []), ...(p.status.containerStatuses ?? [])].map(
        (c: { name: string; restartCount: number }) => `${c.name}=${c.restartCount}`,
      ),
    },
  ]);
  return { apps: Object.fromEntries(apps), pods: Object.fromEntries(pods) };
}

/** kubectl with its stdout and stderr, whatever its exit code. */
function kubectlRaw(args: string[], input: string): Promise<{ stdout: string; stderr: string; code: number }> {
  const cluster = testCluster();
  return new Promise((resolve) => {
    const child = execFile(
      cluster.binaries.kubectl,
      ['--kubeconfig', cluster.kubeconfig, ...args],
      { maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        resolve({ stdout, stderr, code: err ? (typeof err.code === 'number' ? err.code : -1) : 0 });
      },
    );
    child.stdin?.end(input);
  });
}

/** kubectl apply's errors, one per refused object, in the order of the stream. */
function errorEntries(stderr: string): string[] {
  const entries: string[] = [];
  for (const line of stderr.split('\n')) {
    if (/^Warning: /.test(line)) continue;
    if (/^(Error from server|error:|The \S+ "[^"]*" is invalid)/.test(line)) entries.push(line);
    else if (line.trim() && entries.length) entries[entries.length - 1] += `\n${line}`;
  }
  return entries;
}

describe('1,000 invalid AppWithHelpers applied with kubectl (R6)', function () {
  this.timeout(180_000);
  const cases: InvalidCase[] = invalidCases(COUNT);
  const refused = new Map<string, string>(); // name → the API server's message
  const accepted: InvalidCase[] = [];
  const marked = new Map<string, string>(); // name → the Degraded condition's message
  let op: RunningOperator;
  let baseline: Awaited<ReturnType<typeof snapshot>>;
  let t0 = 0;
  let applySeconds = 0;

  before(async function () {
    this.timeout(120_000);
    t0 = Date.now();
    const cluster = testCluster();
    await installCrd(cluster);
    await createNamespace(cluster, ns);
    op = await startOperator(cluster, ns);
    await cluster.kubectl(['apply', '-n', ns, '-f', '-'], NEIGHBOURS);
    await cluster.kubectl([
      'wait',
      '-n',
      ns,
      '--for=condition=Ready',
      ...neighbourNames.map((n) => `awh/${n}`),
      '--timeout=60s',
    ]);
    // Settled: two looks a second apart see the same objects and Pods.
    baseline = await snapshot();
    for (let settled = Date.now() + 20_000; ;) {
      await sleep(1000);
      const again = await snapshot();
      if (isDeepStrictEqual(again, baseline)) break;
      baseline = again;
      if (Date.now() > settled) throw new Error('the valid neighbours did not settle in 20s');
    }
    assert.equal(Object.keys(baseline.pods).length, 4, `Pods before: ${Object.keys(baseline.pods).join(' ')}`);
  });

  after(async function () {
    this.timeout(60_000);
    await op?.stop();
    await testCluster()
      .kubectl(['delete', 'namespace', ns, '--wait=false', '--ignore-not-found'])
      .catch(() => undefined);
  });

  it('applies all of them in one kubectl apply; each is refused or accepted, nothing else', async () => {
    const stream = cases.map((c) => `---\n${JSON.stringify(c.manifest)}\n`).join('');
    const started = Date.now();
    const { stdout, stderr, code } = await kubectlRaw(['apply', '-n', ns, '-f', '-'], stream);
    applySeconds = (Date.now() - started) / 1000;
    assert.notEqual(code, 0, 'kubectl apply should fail: some objects are refused');
    const created = new Set([...stdout.matchAll(/^appwithhelpers\.helpers\.dev\/(\S+) created$/gm)].map((m) => m[1]));
    const errors = errorEntries(stderr);
    // kubectl goes on after each refusal and prints the errors in the order of the stream; a
    // strict-decoding error does not name the object, so refusals are matched to objects by order.
    const refusedCases = cases.filter((c) => !created.has(c.name));
    assert.equal(
      errors.length,
      refusedCases.length,
      `${created.size} created, ${refusedCases.length} not, but ${errors.length} errors:\n${errors.slice(0, 5).join('\n')}`,
    );
    refusedCases.forEach((c, i) => {
      const other = errors[i].match(/"(invalid-\d{4})"/)?.[1];
      assert.ok(
        other === undefined || other === c.name,
        `error ${i} is about ${other}, expected ${c.name}: ${errors[i]}`,
      );
      refused.set(c.name, errors[i]);
    });
    accepted.push(...cases.filter((c) => created.has(c.name)));
    const stored = (await testCluster().kubectl(['get', 'awh', '-n', ns, '-o', 'name']))
      .split('\n')
      .filter((l) => l.includes('/invalid-'))
      .map((l) => l.split('/')[1])
      .sort();
    assert.deepEqual(
      stored,
      accepted.map((c) => c.name).sort(),
      'the API server stores exactly the objects kubectl reported created',
    );
  });

  it('each refused object is refused with a message naming the field it breaks, and no other', () => {
    const bad = [...refused]
      .map(([name, message]) => ({ c: cases.find((x) => x.name === name)!, message }))
      .map(({ c, message }) => ({ c, message, ...judge(c, message) }))
      .filter((r) => !r.names || r.innocent.length > 0);
    assert.deepEqual(
      bad.map(
        ({ c, message, named }) =>
          `${c.name} [${c.mutations.join(', ')}] broke ${c.fields.join(', ')}; named ${named.join(', ') || 'nothing'}: ${message}`,
      ),
      [],
    );
  });

  it('each accepted object is marked Degraded/InvalidSpec naming the field, without Pods', async () => {
    const deadline = Date.now() + MARK_TIMEOUT_MS;
    const names = new Set(accepted.map((c) => c.name));
    let pending: string[] = [...names];
    const show = (name: string, status: unknown) =>
      `${name} [${accepted.find((x) => x.name === name)!.mutations.join(', ')}]: ${JSON.stringify(status ?? {}).slice(0, 400)}`;
    while (pending.length > 0) {
      const items = (
        JSON.parse(await testCluster().kubectl(['get', 'awh', '-n', ns, '-o', 'json'])).items as Item[]
      ).filter((a) => names.has(a.metadata.name));
      const byName = new Map(items.map((a) => [a.metadata.name, a]));
      pending = [...names].filter((name) => {
        const s = byName.get(name)?.status;
        const degraded = s?.conditions?.find((c: { type: string }) => c.type === 'Degraded');
        if (
          s?.phase === 'Degraded' &&
          s.podStatus === 'InvalidSpec' &&
          degraded?.status === 'True' &&
          degraded.reason === 'InvalidSpec' &&
          s.observedGeneration === byName.get(name)!.metadata.generation
        ) {
          marked.set(name, degraded.message ?? '');
          return false;
        }
        return true;
      });
      if (pending.length === 0) break;
      // The operator's first status for an invalid spec says so: any other status of this generation is a finding
      // (the mutation is not invalid after all, or the operator misses it).
      const missed = pending.filter(
        (name) => byName.get(name)?.status?.observedGeneration === byName.get(name)!.metadata.generation,
      );
      assert.deepEqual(
        missed.map((name) => show(name, byName.get(name)?.status)),
        [],
        'accepted by the API server, but not invalid for the operator',
      );
      if (Date.now() > deadline) {
        assert.fail(
          `${pending.length} of ${names.size} accepted objects not marked Degraded/InvalidSpec after ${MARK_TIMEOUT_MS / 1000}s:\n${pending
            .slice(0, 10)
            .map((name) => show(name, byName.get(name)?.status))
            .join('\n')}`,
        );
      }
      await sleep(1000);
    }
    const bad = accepted
      .map((c) => ({ c, message: marked.get(c.name)!, ...judge(c, marked.get(c.name)!) }))
      .filter((r) => !r.names || r.innocent.length > 0);
    assert.deepEqual(
      bad.map(
        ({ c, message, named }) =>
          `${c.name} [${c.mutations.join(', ')}] broke ${c.fields.join(', ')}; named ${named.join(', ') || 'nothing'}: ${message}`,
      ),
      [],
    );
    // What a person sees: STATUS InvalidSpec, PHASE Degraded.
    const wide = (await testCluster().kubectl(['get', 'awh', '-n', ns, '-o', 'wide', '--no-headers']))
      .trim()
      .split('\n')
      .map((l) => l.split(/\s+/));
    const columns = new Map(wide.map((cols) => [cols[0], [cols[1], cols[cols.length - 1]]]));
    for (const c of accepted) assert.deepEqual(columns.get(c.name), ['InvalidSpec', 'Degraded'], c.name);
    const pods = (
      await testCluster().kubectl([
        'get',
        'pods',
        '-n',
        ns,
        '-o',
        'jsonpath={range .items[*]}{.metadata.labels.helpers\\.dev/app}{"\\n"}{end}',
      ])
    )
      .split('\n')
      .filter(Boolean);
    assert.deepEqual(
      pods.filter((app) => app.startsWith('invalid-')),
      [],
      'no Pods for invalid objects',
    );
  });

  it('records a Warning Event InvalidSpec on each accepted object', async () => {
    const deadline = Date.now() + MARK_TIMEOUT_MS;
    let missing: string[] = accepted.map((c) => c.name);
    while (missing.length > 0) {
      const out = await testCluster().kubectl([
        'get',
        'events',
        '-n',
        ns,
        '--field-selector',
        'reason=InvalidSpec,type=Warning,involvedObject.kind=AppWithHelpers',
        '-o',
        'jsonpath={range .items[*]}{.involvedObject.name}{"\\n"}{end}',
      ]);
      const seen = new Set(out.split('\n'));
      missing = missing.filter((name) => !seen.has(name));
      if (missing.length === 0) break;
      if (Date.now() > deadline)
        assert.fail(
          `${missing.length} accepted objects have no InvalidSpec Event after ${MARK_TIMEOUT_MS / 1000}s: ${missing.slice(0, 10).join(' ')}`,
        );
      await sleep(1000);
    }
  });

  it('leaves the valid neighbours untouched: same Pods, not restarted, Ready, status unchanged', async () => {
    const now = await snapshot();
    assert.deepEqual(now.pods, baseline.pods);
    assert.deepEqual(now.apps, baseline.apps);
    for (const pod of Object.values(now.pods) as Array<{ ready: string }>) assert.equal(pod.ready, 'True');
  });

  it('keeps working: a valid object applied after them becomes Ready, an invalid one fixed becomes Ready', async () => {
    const cluster = testCluster();
    await cluster.kubectl(
      ['apply', '-n', ns, '-f', '-'],
      'apiVersion: helpers.dev/v1alpha1\nkind: AppWithHelpers\nmetadata: {name: good-after}\nspec: {app: {image: nginx}}\n',
    );
    const fixMe = accepted[0];
    if (fixMe)
      await cluster.kubectl(
        ['apply', '-n', ns, '-f', '-'],
        JSON.stringify({ ...fixMe.manifest, spec: { app: { image: 'nginx' } } }),
      );
    await cluster.kubectl([
      'wait',
      '-n',
      ns,
      '--for=condition=Ready',
      'awh/good-after',
      ...(fixMe ? [`awh/${fixMe.name}`] : []),
      '--timeout=60s',
    ]);
    const seconds = ((Date.now() - t0) / 1000).toFixed(1);
    console.log(
      `      R6: ${COUNT} invalid: ${refused.size} refused by the API server naming the field, ${accepted.length} accepted and marked Degraded/InvalidSpec; ` +
        `valid neighbours untouched; kubectl apply ${applySeconds.toFixed(1)} s, ${seconds} s in all`,
    );
  });
});
