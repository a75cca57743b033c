/**
 * Issue 13, parts 1, 2 and 5 on the real control plane, through the realistic stages: a step's
 * deadline (timeoutSeconds), its retry budget (retries) and each helper's memory of its last
 * failure (lastFailure), as `kubectl get`, `kubectl describe` and Events show them.
 */
import { strict as assert } from 'node:assert';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { sleep } from '../../hack/cluster/control-plane';
import { testCluster } from './cluster-hooks';
import { argoHealthDir, argoHealthOf, kstatusOf } from './health-checks';
import { awhEventsOf, conditionOf, createNamespace, type AwhCondition as Condition } from './kube-helpers';
import { eventually, installCrd, startOperator, type RunningOperator } from './operator-harness';

const ns = 'step-policies';
const apply = (yaml: string) => testCluster().kubectl(['apply', '-n', ns, '-f', '-'], yaml);

interface LastFailure {
  exitCode?: number;
  reason: string;
  message?: string;
  time?: string;
  pod: string;
}
interface Awh {
  metadata: { generation: number };
  status?: {
    observedGeneration?: number;
    podStatus?: string;
    initSteps?: Array<{ name: string; state: string; reason?: string; lastFailure?: LastFailure }>;
    sidecars?: Array<{ name: string; ready: boolean; lastFailure?: LastFailure }>;
    conditions?: Condition[];
  };
}
interface Pod {
  metadata: {
    name: string;
    annotations?: Record<string, string>;
    labels?: Record<string, string>;
    deletionTimestamp?: string;
  };
  status?: { phase?: string; initContainerStatuses?: Array<{ name: string; state: Record<string, unknown> }> };
}

const getAwh = async (name: string) =>
  JSON.parse(await testCluster().kubectl(['get', 'awh', '-n', ns, name, '-o', 'json'])) as Awh;
const podsOf = async (name: string) =>
  (
    JSON.parse(
      await testCluster().kubectl(['get', 'pods', '-n', ns, '-l', `helpers.dev/app=${name}`, '-o', 'json']),
    ) as {
      items: Pod[];
    }
  ).items;
const eventsOf = (name: string) => awhEventsOf(testCluster(), ns, name);

function saveTestdata(file: string, json: string): void {
  const obj = JSON.parse(json) as { metadata: Record<string, unknown> };
  for (const noise of ['managedFields', 'resourceVersion', 'uid', 'creationTimestamp']) delete obj.metadata[noise];
  writeFileSync(path.join(argoHealthDir, 'testdata', `${file}.yaml`), stringify(obj));
}

/** createdPods: the Pods the operator made for an AppWithHelpers, from its Events: how many attempts were made. */
const createdPods = async (name: string) =>
  new Set(
    (await eventsOf(name))
      .filter((e) => e.reason === 'PodCreated' || e.reason === 'PodReplaced')
      .map((e) => /^created Pod (\S+)/.exec(e.message)?.[1] ?? e.message),
  );

describe('init step policies: timeoutSeconds, retries, lastFailure (issue 13)', () => {
  let op: RunningOperator;
  before(async function () {
    this.timeout(60_000);
    const cluster = testCluster();
    await installCrd(cluster);
    await createNamespace(cluster, ns);
    op = await startOperator(cluster, ns);
  });
  after(async () => op?.stop());

  it('retries: after the budget the step is not run again, its last Pod is kept, and restartedAt starts over', async function () {
    this.timeout(180_000);
    const spec = (restartedAt?: string) => `
apiVersion: helpers.dev/v1alpha1
kind: AppWithHelpers
metadata: {name: budget}
spec:
  podTemplate:
    metadata:
      annotations:
        kwok.helpers.dev/fail: migrate
        kwok.helpers.dev/exit-code: "3"
        kwok.helpers.dev/step-delay: 200ms
        ${restartedAt ? `helpers.dev/restartedAt: "${restartedAt}"` : ''}
  initSteps:
    - {name: migrate, image: migrate:1, retries: 1}
  app: {image: nginx}
`;
    await apply(spec());
    await eventually(
      'Stalled with InitStepRetriesExhausted',
      async () => conditionOf(await getAwh('budget'), 'Stalled')?.reason === 'InitStepRetriesExhausted',
      90_000,
    );
    const awh = await getAwh('budget');
    const pods = await podsOf('budget');
    assert.equal(pods.length, 1, `one Pod is kept: ${pods.map((p) => p.metadata.name).join(', ')}`);
    const kept = pods[0];
    assert.equal(kept.status?.phase, 'Failed');
    assert.equal(kept.metadata.annotations?.['helpers.dev/step-failures'], 'migrate=1');
    for (const type of ['Degraded', 'Stalled']) {
      const c = conditionOf(awh, type)!;
      assert.equal(`${c.status} ${c.reason}`, 'True InitStepRetriesExhausted', type);
      assert.match(
        c.message,
        /^step 1\/1 migrate failed with exit code 3: migrate exited with code 3; 2 attempts failed, retries \(1\) are used up, so it is not run again; Pod \S+ is kept for kubectl logs/,
      );
      assert.ok(c.message.includes(kept.metadata.name), c.message);
    }
    assert.equal(conditionOf(awh, 'Reconciling')?.status, 'False');
    assert.equal(conditionOf(awh, 'Ready')?.status, 'False');
    assert.deepEqual(
      { ...awh.status!.initSteps![0].lastFailure, time: undefined },
      { exitCode: 3, reason: 'Error', message: 'migrate exited with code 3', pod: kept.metadata.name, time: undefined },
    );
    // Nothing replaces the kept Pod, however long we wait.
    await sleep(5_000);
    const later = await podsOf('budget');
    assert.deepEqual(
      later.map((p) => p.metadata.name),
      [kept.metadata.name],
      'the kept Pod was replaced or another Pod made',
    );
    const seen = await createdPods('budget');
    assert.equal(seen.size, 2, `two attempts (1 + retries 1), each a Pod: ${[...seen].join(', ')}`);
    const warnings = (await eventsOf('budget')).filter((e) => e.type === 'Warning').map((e) => e.reason);
    assert.ok(warnings.includes('InitStepRetriesExhausted'), warnings.join(', '));
    // Other tools: kstatus (Helm 4 --wait, Flux) Failed at once, not after progressDeadlineSeconds; Argo CD Degraded.
    const json = await testCluster().kubectl(['get', 'awh', '-n', ns, 'budget', '-o', 'json']);
    const [kstatus] = await kstatusOf(testCluster(), json);
    assert.deepEqual([kstatus.fluxcd.status, kstatus.sigs.status], ['Failed', 'Failed'], JSON.stringify(kstatus));
    assert.equal((await argoHealthOf(testCluster(), json)).status, 'Degraded');
    // ARGO_TESTDATA=1 refreshes the Argo CD check's testdata with this status, as health-tools.test.ts does.
    if (process.env.ARGO_TESTDATA) saveTestdata('retries-exhausted', json);

    // kubectl rollout restart's way: a new template, attempts counted afresh.
    await apply(spec('2026-12-01T13:00:00Z'));
    await eventually(
      'the new template made Pods and used up its own retries',
      async () => {
        const a = await getAwh('budget');
        const p = await podsOf('budget');
        return (
          a.status?.observedGeneration === a.metadata.generation &&
          conditionOf(a, 'Stalled')?.reason === 'InitStepRetriesExhausted' &&
          p.length === 1 &&
          p[0].metadata.name !== kept.metadata.name
        );
      },
      90_000,
    );
    const fresh = async () => [...(await createdPods('budget'))].filter((n) => !seen.has(n));
    await eventually('the Events of the fresh attempts', async () => (await fresh()).length >= 2);
    assert.deepEqual((await fresh()).length, 2, `two fresh attempts: ${(await fresh()).join(', ')}`);
  });

  it('timeoutSeconds: a step running longer is ended by replacing its Pod, says StepTimedOut, and counts as an attempt', async function () {
    this.timeout(180_000);
    await apply(`
apiVersion: helpers.dev/v1alpha1
kind: AppWithHelpers
metadata: {name: slow}
spec:
  podTemplate:
    metadata:
      annotations: {kwok.helpers.dev/slow: migrate, kwok.helpers.dev/slow-for: 1h, kwok.helpers.dev/step-delay: 300ms}
  initSteps:
    - {name: migrate, image: migrate:1, timeoutSeconds: 3, retries: 1}
  app: {image: nginx}
`);
    const degraded: string[] = [];
    const end = Date.now() + 90_000;
    let awh: Awh | undefined;
    for (;;) {
      awh = await getAwh('slow');
      const reason = conditionOf(awh, 'Degraded')?.reason ?? '(none)';
      if (degraded.at(-1) !== reason) degraded.push(reason);
      if (conditionOf(awh, 'Stalled')?.reason === 'InitStepRetriesExhausted') break;
      if (Date.now() > end) throw new Error(`not exhausted in 90 s; Degraded: ${degraded.join(' → ')}`);
      await sleep(100);
    }
    const seen = await createdPods('slow');
    const problems = degraded.filter((r) => r !== '(none)' && r !== 'AsExpected');
    assert.deepEqual(problems, ['StepTimedOut', 'InitStepRetriesExhausted'], `Degraded: ${degraded.join(' → ')}`);
    assert.equal(seen.size, 2, `two attempts: ${[...seen].join(', ')}`);
    const pods = await podsOf('slow');
    assert.equal(pods.length, 1);
    const kept = pods[0];
    // The last attempt is left as it is, so kubectl logs can show where it hangs.
    assert.ok(kept.status?.initContainerStatuses?.[0].state.running, JSON.stringify(kept.status));
    assert.match(
      conditionOf(awh, 'Stalled')!.message,
      /^step 1\/1 migrate ran past its timeoutSeconds \(3s\); 2 attempts failed, retries \(1\) are used up/,
    );
    const step = awh.status!.initSteps![0];
    assert.equal(step.reason, 'StepTimedOut');
    assert.equal(step.lastFailure?.reason, 'StepTimedOut');
    assert.equal(step.lastFailure?.message, 'still running after 3s, its timeoutSeconds');
    const events = await eventsOf('slow');
    const timedOut = events.find((e) => e.reason === 'StepTimedOut');
    assert.ok(timedOut, events.map((e) => e.reason).join(', '));
    assert.equal(timedOut.type, 'Warning');
    assert.match(timedOut.message, /step 1\/1 migrate ran past its timeoutSeconds \(3s\)/);
    assert.ok(
      events.some((e) => e.reason === 'PodDeleted' && /ran past its timeoutSeconds/.test(e.message)),
      'a PodDeleted Event says why',
    );
  });

  it('lastFailure: kept across a rollout that replaced the failing Pod, shown by kubectl describe, gone once the step succeeds', async function () {
    this.timeout(180_000);
    const spec = (annotations: string) => `
apiVersion: helpers.dev/v1alpha1
kind: AppWithHelpers
metadata: {name: memory}
spec:
  updateStrategy: {type: Recreate}
  podTemplate:
    metadata:
      annotations: {${annotations}}
  initSteps:
    - {name: migrate, image: migrate:1}
  sidecars:
    - {name: log, image: busybox, command: [sh, -c, 'sleep 1d']}
  app: {image: nginx}
`;
    await apply(
      spec('kwok.helpers.dev/fail: migrate, kwok.helpers.dev/exit-code: "4", kwok.helpers.dev/step-delay: 200ms'),
    );
    await eventually('a remembered failure', async () => {
      const f = (await getAwh('memory')).status?.initSteps?.[0].lastFailure;
      return f?.exitCode === 4;
    });
    const failedPod = (await getAwh('memory')).status!.initSteps![0].lastFailure!.pod;
    // The fix rolls a new Pod (Recreate: the failing one goes first); its step runs for a while.
    await apply(
      spec('kwok.helpers.dev/slow: migrate, kwok.helpers.dev/slow-for: 8s, kwok.helpers.dev/step-delay: 200ms'),
    );
    let sawRunningWithMemory = false;
    let describe = '';
    await eventually(
      'the new Pod running the step, the failing one gone, lastFailure still there',
      async () => {
        const awh = await getAwh('memory');
        const pods = await podsOf('memory');
        const step = awh.status?.initSteps?.[0];
        const ok =
          awh.status?.observedGeneration === awh.metadata.generation &&
          !pods.some((p) => p.metadata.name === failedPod) &&
          step?.state === 'Running' &&
          step.lastFailure?.pod === failedPod &&
          step.lastFailure.exitCode === 4;
        if (ok) describe = await testCluster().kubectl(['describe', 'awh', '-n', ns, 'memory']);
        sawRunningWithMemory ||= ok;
        return ok;
      },
      60_000,
    );
    assert.ok(sawRunningWithMemory);
    assert.match(
      describe,
      /Last Failure:\s+Exit Code:\s+4\s+Message:\s+migrate exited with code 4\s+Pod:\s+\S+\s+Reason:\s+Error/,
    );
    await eventually(
      'Ready, and the failure forgotten',
      async () => {
        const awh = await getAwh('memory');
        return conditionOf(awh, 'Ready')?.status === 'True' && awh.status?.initSteps?.[0].lastFailure === undefined;
      },
      60_000,
    );
  });

  it('lastFailure of a sidecar: its exit code and Pod, kept while a rollout replaces its Pod, gone once it is ready', async function () {
    this.timeout(180_000);
    const spec = (annotations: string) => `
apiVersion: helpers.dev/v1alpha1
kind: AppWithHelpers
metadata: {name: sidecar-memory}
spec:
  updateStrategy: {type: Recreate}
  podTemplate:
    metadata:
      annotations: {${annotations}}
  initSteps:
    - {name: migrate, image: migrate:1}
  sidecars:
    - {name: log, image: busybox, command: [sh, -c, 'sleep 1d']}
  app: {image: nginx}
`;
    await apply(
      spec('kwok.helpers.dev/fail: log, kwok.helpers.dev/exit-code: "137", kwok.helpers.dev/step-delay: 100ms'),
    );
    let failedPod = '';
    await eventually(
      'the sidecar failed and restarted, one lastFailure',
      async () => {
        const awh = await getAwh('sidecar-memory');
        const s = awh.status?.sidecars?.[0];
        const pods = await podsOf('sidecar-memory');
        failedPod = pods[0]?.metadata.name ?? '';
        return s?.lastFailure?.exitCode === 137 && s.lastFailure.pod === failedPod && !s.ready;
      },
      60_000,
    );
    // The fix rolls a new Pod whose step runs a while: the sidecar has not started there yet.
    await apply(
      spec('kwok.helpers.dev/slow: migrate, kwok.helpers.dev/slow-for: 8s, kwok.helpers.dev/step-delay: 100ms'),
    );
    await eventually(
      'the new Pod at its step, the old one gone, the sidecar failure remembered',
      async () => {
        const awh = await getAwh('sidecar-memory');
        const pods = await podsOf('sidecar-memory');
        const f = awh.status?.sidecars?.[0].lastFailure;
        return (
          awh.status?.observedGeneration === awh.metadata.generation &&
          pods.length === 1 &&
          pods[0].metadata.name !== failedPod &&
          awh.status?.initSteps?.[0].state === 'Running' &&
          f?.exitCode === 137 &&
          f.pod === failedPod
        );
      },
      60_000,
    );
    await eventually(
      'Ready, and the sidecar failure forgotten',
      async () => {
        const awh = await getAwh('sidecar-memory');
        return conditionOf(awh, 'Ready')?.status === 'True' && awh.status?.sidecars?.[0].lastFailure === undefined;
      },
      60_000,
    );
  });
});
