/**
 * What tools other than kubectl see (issue 12): kstatus (Helm 4's --wait, Flux, kpt, Config Sync)
 * through an AppWithHelpers' life, Argo CD's health check on statuses the operator really wrote,
 * and helm install --wait of a chart holding one.
 */
import { strict as assert } from 'node:assert';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { sleep } from '../../hack/cluster/control-plane';
import { testCluster } from './cluster-hooks';
import {
  argoHealthDir,
  argoHealthOf,
  kstatusOf,
  runArgoHealthTests,
  type KstatusResult,
  type Verdict,
} from './health-checks';
import { createNamespace } from './kube-helpers';
import { eventually, installCrd, startOperator, type RunningOperator } from './operator-harness';

const ns = 'health-tools';
const chart = path.join(__dirname, 'fixtures/awh-chart');
const apply = (yaml: string) => testCluster().kubectl(['apply', '-n', ns, '-f', '-'], yaml);
const objectJson = (name: string) => testCluster().kubectl(['get', 'awh', '-n', ns, name, '-o', 'json']);

interface Seen {
  kstatus: KstatusResult;
  argo: Verdict;
  json: string;
}
async function look(name: string): Promise<Seen> {
  const json = await objectJson(name);
  const [kstatus] = await kstatusOf(testCluster(), json);
  return { kstatus, argo: await argoHealthOf(testCluster(), json), json };
}
/** Both kstatus implementations agree, and say `status`. */
const kstatusIs = (seen: Seen, status: string) =>
  seen.kstatus.fluxcd.status === status && seen.kstatus.sigs.status === status;

async function until(name: string, what: string, ok: (s: Seen) => boolean, timeoutMs = 60_000): Promise<Seen> {
  let last: Seen | undefined;
  await eventually(
    `${what} (last: ${JSON.stringify(last?.kstatus)} ${JSON.stringify(last?.argo)})`,
    async () => ok((last = await look(name))),
    timeoutMs,
  );
  return last!;
}

const app = (name: string, extra = '', annotations = '') => `
apiVersion: helpers.dev/v1alpha1
kind: AppWithHelpers
metadata: {name: ${name}}
spec:
  podTemplate:
    metadata:
      annotations: {kwok.helpers.dev/step-delay: 300ms${annotations}}
  initSteps:
    - {name: migrate, image: migrate:1}
  app:
    image: nginx
    volumeMounts: [{name: data, mountPath: /data}]
  volumes: [{name: data, emptyDir: {}}]
  ${extra}`;

function saveTestdata(step: string, json: string): void {
  const obj = JSON.parse(json) as { metadata: Record<string, unknown> };
  for (const noise of ['managedFields', 'resourceVersion', 'uid', 'creationTimestamp']) delete obj.metadata[noise];
  const file = `${step
    .replace(/[^a-z]+/gi, '-')
    .replace(/-+$/, '')
    .toLowerCase()}.yaml`;
  writeFileSync(path.join(argoHealthDir, 'testdata', file), stringify(obj));
}

describe('kstatus, Argo CD and Helm 4 on an AppWithHelpers (issue 12)', () => {
  let op: RunningOperator;
  before(async function () {
    this.timeout(60_000);
    const cluster = testCluster();
    await installCrd(cluster);
    await createNamespace(cluster, ns);
    op = await startOperator(cluster, ns);
  });
  after(async () => op?.stop());

  it('kstatus and Argo CD follow the lifecycle: InProgress, Current, Failed (invalid, deadline), Terminating', async function () {
    this.timeout(240_000);
    const steps: string[] = [];
    const note = (step: string, s: Seen) => {
      steps.push(
        `${step}: kstatus ${s.kstatus.fluxcd.status} (sigs ${s.kstatus.sigs.status}), Argo CD ${s.argo.status}`,
      );
      // ARGO_TESTDATA=1 refreshes the Argo CD check's testdata with what the operator really wrote.
      if (process.env.ARGO_TESTDATA) saveTestdata(step, s.json);
    };

    // Created: kstatus reads an object without status as Current, so the first pass must write one.
    await apply(app('life'));
    let first: Seen | undefined;
    const deadline = Date.now() + 10_000;
    while (!first) {
      const s = await look('life');
      if (JSON.parse(s.json).status?.conditions) first = s;
      else if (Date.now() > deadline) throw new Error('no status 10 s after create');
      else await sleep(20);
    }
    note('created', first);
    const firstStatus = JSON.parse(first.json).status;
    assert.equal(firstStatus.observedGeneration, 1);
    assert.notEqual(firstStatus.phase, 'Running', 'the first status came only when the Pod was Running');
    assert.ok(kstatusIs(first, 'InProgress'), JSON.stringify(first.kstatus));
    assert.equal(first.argo.status, 'Progressing');

    const ready = await until('life', 'Current', (s) => kstatusIs(s, 'Current'));
    note('ready', ready);
    assert.equal(ready.argo.status, 'Healthy');

    // Invalid: a mount of a volume the Pod does not have, which only the operator can tell.
    await apply(app('life').replace('name: data, mountPath', 'name: logs, mountPath'));
    const invalid = await until('life', 'Failed (invalid)', (s) => kstatusIs(s, 'Failed'));
    note('invalid', invalid);
    assert.match(invalid.kstatus.fluxcd.message, /no volume named "logs"/);
    assert.equal(invalid.argo.status, 'Degraded');

    // No progress for progressDeadlineSeconds: a step that keeps failing.
    await apply(app('stuck', 'progressDeadlineSeconds: 5', ', kwok.helpers.dev/fail: migrate'));
    const looping = await until(
      'stuck',
      'InProgress while crash-looping',
      (s) => kstatusIs(s, 'InProgress') && /InitStepCrashLooping/.test(s.json),
    );
    note('crash-looping within the deadline', looping);
    assert.equal(looping.argo.status, 'Degraded');
    const stalled = await until('stuck', 'Failed (deadline)', (s) => kstatusIs(s, 'Failed'), 60_000);
    note('deadline passed', stalled);
    assert.match(stalled.kstatus.fluxcd.message, /no progress for 5s/);
    const conditions = JSON.parse(stalled.json).status.conditions as Array<{
      type: string;
      status: string;
      reason: string;
    }>;
    const cond = (type: string) => conditions.find((c) => c.type === type);
    assert.deepEqual(
      [cond('Progressing')?.status, cond('Progressing')?.reason, cond('Stalled')?.status, cond('Reconciling')?.status],
      ['False', 'ProgressDeadlineExceeded', 'True', 'False'],
    );
    assert.equal(stalled.argo.status, 'Degraded');

    // Progress resumes it: the step is fixed.
    await apply(app('stuck', 'progressDeadlineSeconds: 5'));
    const fixed = await until('stuck', 'Current after the fix', (s) => kstatusIs(s, 'Current'));
    note('fixed', fixed);

    // Deleted while Stalled: Terminating, not Failed. A finalizer of the test's holds it there.
    await apply(app('doomed', 'progressDeadlineSeconds: 5', ', kwok.helpers.dev/fail: migrate'));
    await until('doomed', 'Failed (deadline)', (s) => kstatusIs(s, 'Failed'), 60_000);
    await testCluster().kubectl([
      'patch',
      'awh',
      '-n',
      ns,
      'doomed',
      '--type=merge',
      '-p',
      '{"metadata":{"finalizers":["test.helpers.dev/hold"]}}',
    ]);
    await testCluster().kubectl(['delete', 'awh', '-n', ns, 'doomed', '--cascade=foreground', '--wait=false']);
    const terminating = await until('doomed', 'Terminating', (s) => kstatusIs(s, 'Terminating'), 20_000);
    note('deleted while stalled', terminating);
    await testCluster().kubectl([
      'patch',
      'awh',
      '-n',
      ns,
      'doomed',
      '--type=merge',
      '-p',
      '{"metadata":{"finalizers":null}}',
    ]);
    console.log(steps.map((s) => `      ${s}`).join('\n'));
  });

  it("passes the Argo CD health check's own tests (health_test.yaml)", async () => {
    const out = await runArgoHealthTests(testCluster());
    assert.match(out, /^ok /m);
  });

  it('refuses a progress deadline of 0 or below at admission, naming the field', async () => {
    for (const value of [0, -5])
      await assert.rejects(apply(app('bad-deadline', `progressDeadlineSeconds: ${value}`)), (err: Error) => {
        assert.match(err.message, /spec\.progressDeadlineSeconds: Invalid value/);
        return true;
      });
  });

  describe('helm install --wait (Helm 4: kstatus)', () => {
    it('returns once a good AppWithHelpers is Ready', async function () {
      this.timeout(180_000);
      const t0 = Date.now();
      await testCluster().helm(['install', 'good', chart, '-n', ns, '--wait', '--timeout', '5m']);
      const ready = await testCluster().kubectl([
        'get',
        'awh',
        '-n',
        ns,
        'good',
        '-o',
        'jsonpath={.status.conditions[?(@.type=="Ready")].status}',
      ]);
      assert.equal(ready, 'True');
      console.log(`      helm install --wait returned in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
    });

    it('fails well before its 5-minute timeout when a step keeps failing past progressDeadlineSeconds: 30', async function () {
      this.timeout(240_000);
      const t0 = Date.now();
      await assert.rejects(
        testCluster().helm([
          'install',
          'bad',
          chart,
          '-n',
          ns,
          '--set',
          'failStep=true',
          '--set',
          'progressDeadlineSeconds=30',
          '--wait',
          '--timeout',
          '5m',
        ]),
        (err: Error) => {
          assert.match(err.message, /AppWithHelpers\/health-tools\/bad not ready\. status: Failed/);
          return true;
        },
      );
      const seconds = (Date.now() - t0) / 1000;
      console.log(`      helm install --wait failed after ${seconds.toFixed(1)}s`);
      assert.ok(seconds < 120, `took ${seconds}s`);
    });
  });
});
