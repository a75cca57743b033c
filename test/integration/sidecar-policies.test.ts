/**
 * Issue 13, parts 3 and 4, on the real control plane through the realistic stages:
 * - waitUntilReady: the next init step or the app starts only once the sidecar is ready. The
 *   stages start a sidecar without a startupProbe at once and count it started (as a kubelet
 *   does), so without the derived startupProbe the step and the app start before it is ready; a
 *   sidecar without waitUntilReady beside it shows exactly that.
 * - optional: a crash-looping optional sidecar is reported (SidecarsReady, a Warning Event) but the
 *   AppWithHelpers is never Degraded nor Stalled; the same sidecar without optional is both.
 */
import { strict as assert } from 'node:assert';
import { sleep } from '../../hack/cluster/control-plane';
import { testCluster } from './cluster-hooks';
import { argoHealthOf, kstatusOf } from './health-checks';
import { conditionOf, createNamespace, type AwhCondition as Condition } from './kube-helpers';
import { eventually, installCrd, startOperator, type RunningOperator } from './operator-harness';

const ns = 'sidecar-policies';
const apply = (yaml: string) => testCluster().kubectl(['apply', '-n', ns, '-f', '-'], yaml);

interface Awh {
  metadata: { generation: number };
  status?: { observedGeneration?: number; podStatus?: string; conditions?: Condition[] };
}
interface ContainerStatus {
  name: string;
  ready: boolean;
  started?: boolean;
  restartCount?: number;
  state: { waiting?: unknown; running?: unknown; terminated?: unknown };
}
interface Pod {
  metadata: { name: string; labels?: Record<string, string> };
  spec: { initContainers?: Array<{ name: string; startupProbe?: { failureThreshold?: number } }> };
  status?: { initContainerStatuses?: ContainerStatus[]; containerStatuses?: ContainerStatus[] };
}

const getAwh = async (name: string) =>
  JSON.parse(await testCluster().kubectl(['get', 'awh', '-n', ns, name, '-o', 'json'])) as Awh;
const podsOf = async () =>
  (JSON.parse(await testCluster().kubectl(['get', 'pods', '-n', ns, '-o', 'json'])) as { items: Pod[] }).items;
const warningsOf = async (name: string) =>
  (
    JSON.parse(
      await testCluster().kubectl([
        'get',
        'events',
        '-n',
        ns,
        '--field-selector',
        `involvedObject.kind=AppWithHelpers,involvedObject.name=${name},type=Warning`,
        '-o',
        'json',
      ]),
    ) as { items: Array<{ reason: string; message: string }> }
  ).items;

/**
 * A native sidecar "proxy" the stages make ready 6 s after it starts; after `proxy` comes `next`.
 * Its readinessProbe gives up after 2 failures 1 s apart: a startupProbe copied from it as written
 * (`ownStartupProbe`) is killed after 2 s, again and again, as on a kubelet.
 */
const gated = (name: string, waitUntilReady: boolean, before: boolean, ownStartupProbe = false) => `
apiVersion: helpers.dev/v1alpha1
kind: AppWithHelpers
metadata: {name: ${name}}
spec:
  podTemplate:
    metadata:
      labels: {test-app: ${name}}
      annotations: {kwok.helpers.dev/slow-ready: proxy, kwok.helpers.dev/ready-after: 6s, kwok.helpers.dev/step-delay: 300ms}
  sidecarMode: Native
  ${before ? 'initSteps: [{name: migrate, image: migrate:1}]' : ''}
  sidecars:
    - name: proxy
      image: envoy:1
      startBeforeInitSteps: ${before}
      ${waitUntilReady ? 'waitUntilReady: true' : ''}
      readinessProbe: {httpGet: {path: /ready, port: 9901}, periodSeconds: 1, failureThreshold: 2}
      ${ownStartupProbe ? 'startupProbe: {httpGet: {path: /ready, port: 9901}, periodSeconds: 1, failureThreshold: 2}' : ''}
  app: {image: nginx}
`;

describe('sidecar policies: waitUntilReady and optional (issue 13)', () => {
  let op: RunningOperator;
  before(async function () {
    this.timeout(60_000);
    const cluster = testCluster();
    await installCrd(cluster);
    await createNamespace(cluster, ns);
    op = await startOperator(cluster, ns);
  });
  after(async () => op?.stop());

  it('waitUntilReady holds the next init step and the app until the sidecar is ready, and never kills it', async function () {
    this.timeout(180_000);
    // gate-step: a sidecar started before the steps holds the step; gate-app: one after them holds
    // the app; no-gate: the same as gate-step without waitUntilReady, where the step does not wait;
    // copied-probe: a startupProbe with the readiness probe's failureThreshold, which kills it.
    await apply(gated('gate-step', true, true));
    await apply(gated('gate-app', true, false));
    await apply(gated('no-gate', false, true));
    await apply(gated('copied-probe', false, true, true));
    const restarts: Record<string, number> = {};
    const next: Record<string, string> = {
      'gate-step': 'migrate',
      'gate-app': 'app',
      'no-gate': 'migrate',
      'copied-probe': 'migrate',
    };
    const early: Record<string, string[]> = { 'gate-step': [], 'gate-app': [], 'no-gate': [], 'copied-probe': [] };
    const readyAt: Record<string, boolean> = {};
    const messages = new Set<string>();
    const end = Date.now() + 90_000;
    while (Date.now() < end && Object.keys(readyAt).length < 3) {
      for (const pod of await podsOf()) {
        const app = pod.metadata.labels?.['test-app'];
        if (!app || !(app in next)) continue;
        const all = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
        const proxy = all.find((c) => c.name === 'proxy');
        restarts[app] = Math.max(restarts[app] ?? 0, proxy?.restartCount ?? 0);
        const after = all.find((c) => c.name === next[app]);
        if (after && !after.state.waiting && !proxy?.ready)
          early[app].push(`${next[app]} ${Object.keys(after.state)[0]} while proxy ready=${proxy?.ready}`);
        if (all.length && all.every((c) => c.ready || c.state.terminated)) readyAt[app] = true;
      }
      for (const name of ['gate-step', 'gate-app']) {
        const awh = await getAwh(name);
        for (const type of ['Initialized', 'SidecarsReady']) {
          const c = conditionOf(awh, type);
          if (c?.status === 'False' && /waitUntilReady/.test(c.message)) messages.add(`${name} ${type}: ${c.message}`);
        }
      }
      await sleep(150);
    }
    console.log(`      while proxy was not ready: ${[...messages].join(' | ')}`);
    console.log(
      `      no-gate started early: ${early['no-gate'].length} samples; gate-*: ${early['gate-step'].length + early['gate-app'].length}`,
    );
    console.log(`      proxy restarts: ${JSON.stringify(restarts)}`);
    assert.ok(
      (restarts['copied-probe'] ?? 0) >= 1,
      'a startupProbe that gives up after 2 s did not kill the slow sidecar',
    );
    assert.deepEqual(
      [restarts['gate-step'], restarts['gate-app']],
      [0, 0],
      'the startupProbe derived for waitUntilReady killed the slow sidecar',
    );
    assert.deepEqual(Object.keys(readyAt).sort(), ['gate-app', 'gate-step', 'no-gate'], 'not every Pod got ready');
    assert.ok(early['no-gate'].length > 0, 'without waitUntilReady the step waited anyway: the stages prove nothing');
    assert.deepEqual(early['gate-step'].slice(0, 3), [], 'the init step started before the sidecar was ready');
    assert.deepEqual(early['gate-app'].slice(0, 3), [], 'the app started before the sidecar was ready');
    assert.ok(
      [...messages].some((m) => m.startsWith('gate-step Initialized: step 1/1 migrate waits for sidecar proxy')),
      `Initialized did not say what the step waits for: ${[...messages].join(' | ')}`,
    );
    for (const pod of await podsOf()) {
      if (pod.metadata.labels?.['test-app'] !== 'gate-step') continue;
      const probe = pod.spec.initContainers?.find((c) => c.name === 'proxy')?.startupProbe;
      assert.equal(probe?.failureThreshold, 2147483647, 'the derived startupProbe could kill a slow sidecar');
      const proxy = pod.status?.initContainerStatuses?.find((c) => c.name === 'proxy');
      assert.ok(proxy?.state.running, 'the slow sidecar was restarted');
    }
    for (const name of ['gate-step', 'gate-app'])
      await eventually(`${name} Ready`, async () => conditionOf(await getAwh(name), 'Ready')?.status === 'True');
  });

  it('reports a crash-looping optional sidecar without Degraded or Stalled; a required one is both', async function () {
    this.timeout(180_000);
    const spec = (name: string, optional: boolean, mode: string) => `
apiVersion: helpers.dev/v1alpha1
kind: AppWithHelpers
metadata: {name: ${name}}
spec:
  progressDeadlineSeconds: 8
  podTemplate:
    metadata:
      annotations: {kwok.helpers.dev/fail: logs, kwok.helpers.dev/step-delay: 200ms}
  sidecarMode: ${mode}
  sidecars:
    - {name: logs, image: fluent-bit:3, optional: ${optional}}
  app: {image: nginx}
`;
    // Classic: the app runs beside the crashing sidecar. A native sidecar that never starts holds
    // back the app (the stages, like a kubelet, start the next container once it started).
    await apply(spec('optional-logs', true, 'Classic'));
    await apply(spec('required-logs', false, 'Classic'));
    const seen: Record<string, Set<string>> = { 'optional-logs': new Set(), 'required-logs': new Set() };
    const end = Date.now() + 25_000;
    let last: Awh | undefined;
    while (Date.now() < end) {
      for (const name of Object.keys(seen)) {
        const awh = await getAwh(name);
        if (name === 'optional-logs') last = awh;
        for (const type of ['Degraded', 'Stalled', 'SidecarsReady', 'Ready']) {
          const c = conditionOf(awh, type);
          if (c) seen[name].add(`${type}=${c.status}/${c.reason}`);
        }
      }
      await sleep(250);
    }
    console.log(`      optional: ${[...seen['optional-logs']].join(', ')}`);
    console.log(`      required: ${[...seen['required-logs']].join(', ')}`);
    assert.ok(seen['required-logs'].has('Degraded=True/SidecarCrashLooping'), 'the required sidecar never counted');
    assert.ok(seen['required-logs'].has('Stalled=True/ProgressDeadlineExceeded'), 'the required one never stalled');
    const optional = [...seen['optional-logs']];
    assert.deepEqual(
      optional.filter((s) => /^(Degraded|Stalled)=True/.test(s)),
      [],
      'an optional sidecar made it Degraded or Stalled',
    );
    assert.ok(optional.includes('SidecarsReady=False/OptionalSidecarCrashLooping'), optional.join(', '));
    assert.ok(optional.includes('Ready=False/PodsNotReady'), 'the Pod is not ready: Ready must say so');
    assert.match(conditionOf(last!, 'SidecarsReady')!.message, /optional sidecar logs keeps failing \(exit code 1\)/);
    // What other tools make of it: kstatus waits (the Pod is not ready), never Failed; Argo CD Progressing.
    const verdicts: string[] = [];
    for (const name of ['optional-logs', 'required-logs']) {
      const json = await testCluster().kubectl(['get', 'awh', '-n', ns, name, '-o', 'json']);
      const [k] = await kstatusOf(testCluster(), json);
      verdicts.push(
        `${name}: kstatus ${k.fluxcd.status}/${k.sigs.status}, Argo CD ${(await argoHealthOf(testCluster(), json)).status}`,
      );
    }
    console.log(`      ${verdicts.join('; ')}`);
    assert.deepEqual(verdicts, [
      'optional-logs: kstatus InProgress/InProgress, Argo CD Progressing',
      'required-logs: kstatus Failed/Failed, Argo CD Degraded',
    ]);
    const warnings = await warningsOf('optional-logs');
    assert.deepEqual(
      warnings.map((w) => w.reason),
      ['OptionalSidecarCrashLooping'],
      'one Warning Event, for the optional sidecar',
    );
  });

  it('does not stall on a native optional sidecar that never gets ready', async function () {
    this.timeout(120_000);
    await apply(`
apiVersion: helpers.dev/v1alpha1
kind: AppWithHelpers
metadata: {name: optional-slow}
spec:
  progressDeadlineSeconds: 5
  podTemplate:
    metadata:
      annotations: {kwok.helpers.dev/slow-ready: agent, kwok.helpers.dev/ready-after: 3600s, kwok.helpers.dev/step-delay: 200ms}
  sidecarMode: Native
  sidecars:
    - {name: agent, image: agent:1, optional: true, readinessProbe: {exec: {command: [cat, /ready]}}}
  app: {image: nginx}
`);
    await eventually('the app running', async () =>
      /optional sidecar agent is running but not ready/.test(
        conditionOf(await getAwh('optional-slow'), 'SidecarsReady')?.message ?? '',
      ),
    );
    await sleep(10_000); // twice the progress deadline
    const awh = await getAwh('optional-slow');
    assert.equal(conditionOf(awh, 'Stalled')?.status, 'False', JSON.stringify(conditionOf(awh, 'Stalled')));
    assert.equal(conditionOf(awh, 'Degraded')?.status, 'False');
    assert.equal(conditionOf(awh, 'Ready')?.status, 'False');
    assert.match(conditionOf(awh, 'Progressing')!.message, /wait only for optional sidecars/);
  });
});
