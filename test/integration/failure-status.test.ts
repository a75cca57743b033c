/**
 * Issue 12 on the real control plane: one crash-looping step makes few Events and a Degraded
 * condition that does not flap; a repeated Warning patches one Event; Ready waits for the rollout.
 */
import { strict as assert } from 'node:assert';
import { sleep } from '../../hack/cluster/control-plane';
import { testCluster } from './cluster-hooks';
import { awhEventsOf, conditionOf, createNamespace, type AwhCondition as Condition } from './kube-helpers';
import { eventually, installCrd, startOperator, type RunningOperator } from './operator-harness';

const ns = 'failure-status';
const apply = (yaml: string) => testCluster().kubectl(['apply', '-n', ns, '-f', '-'], yaml);

interface Awh {
  metadata: { generation: number };
  status?: {
    observedGeneration?: number;
    podStatus?: string;
    restarts?: number;
    initSteps?: Array<{ state: string; restartCount?: number; exitCode?: number; reason?: string; message?: string }>;
    conditions?: Condition[];
  };
}

const getAwh = async (name: string) =>
  JSON.parse(await testCluster().kubectl(['get', 'awh', '-n', ns, name, '-o', 'json'])) as Awh;
const eventsOf = (name: string) => awhEventsOf(testCluster(), ns, name);

describe('failure status: Events, conditions and Ready (issue 12)', () => {
  let op: RunningOperator;
  before(async function () {
    this.timeout(60_000);
    const cluster = testCluster();
    await installCrd(cluster);
    await createNamespace(cluster, ns);
    op = await startOperator(cluster, ns);
  });
  after(async () => op?.stop());

  it('keeps one crash-looping step at InitStepCrashLooping, with its last failure, in at most 3 Event objects', async function () {
    this.timeout(180_000);
    await apply(`
apiVersion: helpers.dev/v1alpha1
kind: AppWithHelpers
metadata: {name: crashing}
spec:
  podTemplate:
    metadata:
      annotations: {kwok.helpers.dev/fail: migrate, kwok.helpers.dev/exit-code: "3", kwok.helpers.dev/step-delay: 100ms}
  initSteps:
    - {name: migrate, image: migrate:1}
  app: {image: nginx}
`);
    // The stages back off as a kubelet does, scaled by the step delay (100 ms: restarts 1, 2, 4, 8, 16 s
    // apart), so 30 s hold about 6 restarts: before issue 12, 2 Event objects and 2 reason changes each.
    const reasons: string[] = [];
    const lostFailure: string[] = [];
    const end = Date.now() + 30_000;
    let last: Awh | undefined;
    while (Date.now() < end) {
      last = await getAwh('crashing');
      const reason = conditionOf(last, 'Degraded')?.reason ?? '(none)';
      if (reasons[reasons.length - 1] !== reason) reasons.push(reason);
      const step = last.status?.initSteps?.[0];
      if (step && (step.restartCount ?? 0) >= 1 && step.state !== 'Succeeded' && step.exitCode !== 3)
        lostFailure.push(`${last.status?.podStatus}: ${JSON.stringify(step)}`);
      await sleep(100);
    }
    const restarts = last?.status?.restarts ?? 0;
    const events = await eventsOf('crashing');
    console.log(
      `      ${restarts} restarts in 30 s; Degraded: ${reasons.join(' → ')}; ${events.length} Event objects: ` +
        events.map((e) => `${e.reason} x${e.count ?? 1}`).join(', '),
    );
    assert.ok(restarts >= 4, `the step restarted only ${restarts} times: the test proves nothing`);
    const problems = reasons.filter((r) => r !== '(none)' && r !== 'AsExpected');
    assert.ok(
      ['InitStepFailed,InitStepCrashLooping', 'InitStepCrashLooping'].includes(problems.join(',')),
      `Degraded moved ${reasons.join(' → ')}`,
    );
    assert.equal(reasons.indexOf('AsExpected', reasons.indexOf(problems[0])), -1, reasons.join(' → '));
    assert.deepEqual(lostFailure.slice(0, 3), [], 'a restarted step lost the exit code of its last failure');
    assert.ok(events.length <= 3, `${events.length} Event objects: ${events.map((e) => e.reason).join(', ')}`);
    for (const e of events) assert.doesNotMatch(e.message, /restart/, 'an Event message with a restart counter');
    const step = last!.status!.initSteps![0];
    assert.equal(step.reason, 'Error');
    assert.match(step.message ?? '', /exited with code 3/);
  });

  it('patches count and lastTimestamp when the same Warning comes again, instead of a new Event', async function () {
    this.timeout(90_000);
    const spec = (mount: string) => `
apiVersion: helpers.dev/v1alpha1
kind: AppWithHelpers
metadata: {name: flip}
spec:
  podTemplate:
    metadata:
      annotations: {kwok.helpers.dev/step-delay: 300ms}
  app:
    image: nginx
    volumeMounts: [{name: ${mount}, mountPath: /data}]
  volumes: [{name: data, emptyDir: {}}]
`;
    const degradedIs = (reason: string) => async () =>
      conditionOf(await getAwh('flip'), 'Degraded')?.reason === reason &&
      (await getAwh('flip')).status?.observedGeneration === (await getAwh('flip')).metadata.generation;
    await apply(spec('logs'));
    await eventually('InvalidSpec', degradedIs('InvalidSpec'));
    await apply(spec('data'));
    await eventually('AsExpected', degradedIs('AsExpected'));
    await apply(spec('logs'));
    await eventually('InvalidSpec again', degradedIs('InvalidSpec'));
    await eventually('the repeat counted', async () => {
      const invalid = (await eventsOf('flip')).filter((e) => e.reason === 'InvalidSpec');
      return invalid.length === 1 && invalid[0].count === 2;
    });
  });

  it('is Ready only once the rollout is complete: no old-template Pod live, all current ones ready', async function () {
    this.timeout(180_000);
    const spec = (image: string) => `
apiVersion: helpers.dev/v1alpha1
kind: AppWithHelpers
metadata: {name: rolling, labels: {test-rollout: "true"}}
spec:
  replicas: 3
  podTemplate:
    metadata:
      labels: {test-rollout: "true"}
      annotations: {kwok.helpers.dev/step-delay: 1s}
  sidecars:
    - {name: log, image: busybox, command: [sh, -c, 'sleep 1d']}
  app: {image: ${image}}
`;
    await apply(spec('nginx:1.25.3'));
    await eventually(
      'Ready',
      async () => {
        const awh = await getAwh('rolling');
        return conditionOf(awh, 'Ready')?.status === 'True' && awh.status?.observedGeneration === 1;
      },
      60_000,
    );
    await apply(spec('nginx:1.27.0'));
    // The AppWithHelpers is read first, then its Pods: a Pod seen live afterwards was live when Ready was read.
    const samples: Array<{ ready: string; progressing: string; generation: boolean; pods: string[] }> = [];
    const end = Date.now() + 60_000;
    for (;;) {
      // One kubectl, two requests in this order: AppWithHelpers first, then Pods.
      const items = (
        JSON.parse(
          await testCluster().kubectl([
            'get',
            'appwithhelpers,pods',
            '-n',
            ns,
            '-l',
            'test-rollout=true',
            '-o',
            'json',
          ]),
        ) as {
          items: Array<
            Awh & { kind: string; metadata: { deletionTimestamp?: string; labels?: Record<string, string> } }
          >;
        }
      ).items;
      const awh = items.find((i) => i.kind === 'AppWithHelpers')!;
      const pods = items
        .filter((i) => i.kind === 'Pod')
        .map((p) => `${p.metadata.labels?.['helpers.dev/template-hash']}/${p.metadata.deletionTimestamp ?? ''}`);
      const current = awh.status?.observedGeneration === awh.metadata.generation;
      samples.push({
        ready: conditionOf(awh, 'Ready')?.status ?? '',
        progressing: conditionOf(awh, 'Progressing')?.status ?? '',
        generation: current,
        pods,
      });
      const settled = current && conditionOf(awh, 'Ready')?.status === 'True' && pods.length === 3;
      if (settled && new Set(pods.map((p) => p.split('/')[0])).size === 1) break;
      if (Date.now() > end) throw new Error(`the rollout did not finish; last ${JSON.stringify(samples.at(-1))}`);
      await sleep(50);
    }
    const newHash = samples.at(-1)!.pods[0].split('/')[0];
    const oldLive = (s: (typeof samples)[number]) =>
      s.pods.filter((p) => !p.startsWith(`${newHash}/`) && p.endsWith('/')).length;
    const early = samples.filter((s) => s.generation && s.ready === 'True' && oldLive(s) > 0);
    const notProgressing = samples.filter((s) => s.generation && oldLive(s) > 0 && s.progressing !== 'True');
    console.log(`      ${samples.length} samples of the rollout; Ready while an old Pod was live in ${early.length}`);
    assert.deepEqual(early.slice(0, 2), [], 'Ready was True while an old-template Pod was live');
    assert.deepEqual(notProgressing.slice(0, 2), [], 'Progressing was not True while an old-template Pod was live');
  });
});
