/**
 * Init step policies on a real kubelet: retries (an attempt is a Pod: the step is rendered with
 * the container-level restartPolicy Never of KEP-5307, so its failure fails the Pod) and
 * timeoutSeconds (the operator replaces the Pod). test/integration/step-policies.test.ts checks
 * the same on the realistic stages; here the kubelet decides what a failing step does to its Pod.
 */
import { strict as assert } from 'node:assert';
import type { V1ContainerStatus, V1Pod } from '@kubernetes/client-node';
import type { AppStatus, Condition } from '../../src/api/status';
import { sleep } from '../../hack/cluster/control-plane';
import { eventually } from '../integration/operator-harness';
import { anApp, apply, podsOf, statusOf } from './apps';
import { realHarness, realNamespace as ns } from './hooks';
import { watch } from './pod-watch';

/** One version of a Pod as the watch saw it: when (ms since the watch began), its phase and its step. */
interface PodVersion {
  ms: number;
  phase: string;
  terminating: boolean;
  step?: V1ContainerStatus;
  appStarted: boolean;
}

/** One Pod's life: its last version, every version, and when its deletion was asked for. */
interface Attempt {
  pod: V1Pod;
  versions: PodVersion[];
  deleteRequested?: Date;
}

/**
 * AppHistory records, through watches, every version of every Pod of one AppWithHelpers and every
 * version of its status, so a Pod that lives for a second is not missed.
 */
class AppHistory {
  /** By UID: a replacement may take the name of a Pod gone before it. */
  readonly pods = new Map<string, Attempt>();
  readonly statuses: Array<{ ms: number; status: AppStatus }> = [];
  private readonly t0 = Date.now();
  private readonly stops: Array<() => void>;

  constructor(
    app: string,
    private readonly step: string,
  ) {
    const { cluster } = realHarness();
    const selector = encodeURIComponent(`helpers.dev/app=${app}`);
    this.stops = [
      watch(cluster, `/api/v1/namespaces/${ns}/pods?watch=1&labelSelector=${selector}`, false, (o) =>
        this.onPod(o as V1Pod),
      ),
      watch(
        cluster,
        `/apis/helpers.dev/v1alpha1/namespaces/${ns}/appwithhelpers?watch=1&fieldSelector=metadata.name%3D${app}`,
        false,
        (o) => this.statuses.push({ ms: Date.now() - this.t0, status: (o as { status?: AppStatus }).status ?? {} }),
      ),
    ];
  }

  /** The Pods made, in the order they were first seen. */
  get attempts(): Attempt[] {
    return [...this.pods.values()];
  }

  get names(): string[] {
    return this.attempts.map((a) => a.pod.metadata?.name ?? '');
  }

  byName(name: string): Attempt {
    return this.attempts.findLast((a) => a.pod.metadata?.name === name)!;
  }

  /** The distinct values a status field took, in order. */
  seen(field: (s: AppStatus) => string | undefined): string[] {
    const out: string[] = [];
    for (const { status } of this.statuses) {
      const v = field(status) ?? '(none)';
      if (out[out.length - 1] !== v) out.push(v);
    }
    return out;
  }

  /** One line per Pod version: what the kubelet reported, for the log of the run. */
  describe(): string {
    return this.attempts
      .map(({ pod, versions }) => {
        const name = pod.metadata?.name;
        const rows = versions.map((v) => {
          const s = v.step;
          const state = s?.state?.terminated
            ? `terminated(${s.state.terminated.exitCode} ${s.state.terminated.reason})`
            : s?.state?.running
              ? 'running'
              : s?.state?.waiting
                ? `waiting(${s.state.waiting.reason})`
                : '-';
          return `+${(v.ms / 1000).toFixed(1)}s ${v.phase}${v.terminating ? '(deleting)' : ''} ${this.step}=${state} restarts=${s?.restartCount ?? 0}`;
        });
        return `${name}: ${rows.join(' → ')}`;
      })
      .join('\n        ');
  }

  stop(): void {
    this.stops.forEach((s) => s());
  }

  private onPod(pod: V1Pod): void {
    const uid = pod.metadata?.uid ?? '';
    const entry = this.pods.get(uid) ?? { pod, versions: [] };
    entry.pod = pod;
    const deleting = pod.metadata?.deletionTimestamp;
    // The first version being deleted says when: its deletionTimestamp is the request plus the grace period.
    if (deleting && !entry.deleteRequested)
      entry.deleteRequested = new Date(
        new Date(deleting).getTime() - (pod.metadata?.deletionGracePeriodSeconds ?? 0) * 1000,
      );
    entry.versions.push({
      ms: Date.now() - this.t0,
      phase: pod.status?.phase ?? '',
      terminating: !!pod.metadata?.deletionTimestamp,
      step: pod.status?.initContainerStatuses?.find((c) => c.name === this.step),
      appStarted: !!pod.status?.containerStatuses?.some((c) => c.state?.running || c.state?.terminated),
    });
    this.pods.set(uid, entry);
  }
}

const conditionOf = (s: AppStatus, type: string): Condition | undefined => s.conditions?.find((c) => c.type === type);

async function eventsOf(app: string): Promise<Array<{ type: string; reason: string; message: string }>> {
  const out = await realHarness().cluster.kubectl([
    'get',
    'events',
    '-n',
    ns,
    '--field-selector',
    `involvedObject.kind=AppWithHelpers,involvedObject.name=${app}`,
    '-o',
    'json',
  ]);
  return (JSON.parse(out) as { items: Array<{ type: string; reason: string; message: string }> }).items;
}

/** The Pods the operator says it created (PodCreated and PodReplaced Events): the attempts made. */
async function createdPods(app: string): Promise<Set<string>> {
  return new Set(
    (await eventsOf(app))
      .filter((e) => e.reason === 'PodCreated' || e.reason === 'PodReplaced')
      .map((e) => /^created Pod (\S+)/.exec(e.message)?.[1] ?? e.message),
  );
}

const seconds = (a: string | Date | undefined, b: string | Date | undefined) =>
  (new Date(b ?? NaN).getTime() - new Date(a ?? NaN).getTime()) / 1000;

describe('init step policies on a real node', () => {
  it('retries: a real kubelet fails the Pod at the step’s first failure; two Pods in all, the last kept for kubectl logs; restartedAt starts over', async () => {
    const { cluster } = realHarness();
    const spec = (restartedAt?: string) =>
      anApp('budget', {
        ...(restartedAt
          ? { podTemplate: { metadata: { annotations: { 'helpers.dev/restartedAt': restartedAt } } } }
          : {}),
        initSteps: [
          {
            name: 'migrate',
            image: 'busybox:1.36',
            command: ['sh', '-c', 'echo "migrating"; echo "error: table users is missing"; exit 3'],
            retries: 1,
          },
        ],
      });
    const history = new AppHistory('budget', 'migrate');
    try {
      await apply(spec());
      await eventually(
        'Stalled with InitStepRetriesExhausted',
        async () => conditionOf(await statusOf('budget'), 'Stalled')?.reason === 'InitStepRetriesExhausted',
        150_000,
      );
      // Nothing replaces the kept Pod, however long we wait.
      await sleep(15_000);
    } finally {
      history.stop();
    }
    console.log(`      the kubelet reported:\n        ${history.describe()}`);

    // (a) The Pod fails at the step's first failure: the kubelet never restarts it in the Pod.
    assert.equal(history.names.length, 2, `two attempts (1 + retries 1), each a Pod: ${history.names.join(', ')}`);
    for (const { pod, versions } of history.attempts) {
      const name = pod.metadata?.name;
      assert.equal(
        pod.spec?.initContainers?.find((c) => c.name === 'migrate')?.restartPolicy,
        'Never',
        `${name}: the step is not rendered with restartPolicy Never`,
      );
      // The kubelet reports the step's end at once, and Failed once it has stopped the Pod's
      // sandbox (status_manager: never a terminal phase while containers could run): about 1 s.
      const ended = versions.find((v) => v.step?.state?.terminated);
      assert.ok(ended, `${name}: the step never ended`);
      assert.equal(ended.step?.state?.terminated?.exitCode, 3);
      const failed = versions.find((v) => v.phase === 'Failed');
      assert.ok(failed, `${name}: the step failed, but the Pod never did: ${versions.map((v) => v.phase).join(' → ')}`);
      assert.ok(
        versions.every((v) => (v.step?.restartCount ?? 0) === 0 && !v.appStarted),
        `${name}: the kubelet restarted the step or started the app`,
      );
      const lag = (failed.ms - ended.ms) / 1000;
      console.log(
        `      ${name}: step ran ${seconds(ended.step?.state?.terminated?.startedAt, ended.step?.state?.terminated?.finishedAt)}s, ` +
          `Pod Failed ${lag.toFixed(1)}s after the step's end was reported`,
      );
      assert.ok(lag < 15, `${name}: Failed only ${lag}s after the step ended`);
    }

    // (b) Two Pods in all, the last one kept, Failed, with what it inherited and its logs.
    const [first, kept] = history.names;
    assert.deepEqual(await podsOf('budget'), [kept], 'the kept Pod was replaced, or another Pod made');
    assert.ok(history.byName(first).versions.at(-1)!.terminating, `${first} was not deleted`);
    const keptPod = history.byName(kept).pod;
    assert.equal(keptPod.status?.phase, 'Failed');
    assert.equal(keptPod.metadata?.annotations?.['helpers.dev/step-failures'], 'migrate=1');
    assert.deepEqual([...(await createdPods('budget'))].sort(), [first, kept].sort());
    const logs = await cluster.kubectl(['logs', '-n', ns, kept, '-c', 'migrate']);
    assert.equal(logs.trim(), 'migrating\nerror: table users is missing');

    const status = await statusOf('budget');
    for (const type of ['Degraded', 'Stalled']) {
      const c = conditionOf(status, type)!;
      assert.equal(`${c.status} ${c.reason}`, 'True InitStepRetriesExhausted', `${type}: ${JSON.stringify(c)}`);
      assert.equal(
        c.message,
        `step 1/1 migrate failed with exit code 3: migrating | error: table users is missing; 2 attempts failed, ` +
          `retries (1) are used up, so it is not run again; Pod ${kept} is kept for kubectl logs; ` +
          'change the spec or set the helpers.dev/restartedAt annotation in podTemplate to start over',
      );
    }
    for (const type of ['Ready', 'Progressing', 'Reconciling'])
      assert.equal(conditionOf(status, type)?.status, 'False', `${type}: ${JSON.stringify(conditionOf(status, type))}`);
    assert.equal(status.phase, 'Failed');
    const step = status.initSteps?.[0];
    assert.equal(step?.state, 'Failed');
    assert.equal(step?.exitCode, 3);
    assert.deepEqual(
      { ...step?.lastFailure, time: undefined },
      {
        exitCode: 3,
        reason: 'Error',
        message: 'migrating | error: table users is missing',
        pod: kept,
        time: undefined,
      },
    );
    const degraded = history.seen((s) => conditionOf(s, 'Degraded')?.reason);
    const problems = degraded.filter((r) => r !== '(none)' && r !== 'AsExpected');
    console.log(`      Degraded: ${degraded.join(' → ')}`);
    assert.equal(problems.at(-1), 'InitStepRetriesExhausted', `Degraded: ${degraded.join(' → ')}`);
    assert.ok(
      problems.every((r) => ['InitStepFailed', 'InitStepCrashLooping', 'InitStepRetriesExhausted'].includes(r)),
      `Degraded: ${degraded.join(' → ')}`,
    );
    const warnings = (await eventsOf('budget')).filter((e) => e.type === 'Warning').map((e) => e.reason);
    assert.ok(warnings.includes('InitStepRetriesExhausted'), warnings.join(', '));

    // (c) kubectl rollout restart's way: a new template, attempts counted afresh.
    const before = new Set(history.names);
    await apply(spec('2026-12-01T14:00:00Z'));
    await eventually(
      'the new template made two Pods and used up its own retries',
      async () => {
        const s = await statusOf('budget');
        const pods = await podsOf('budget');
        return (
          conditionOf(s, 'Stalled')?.reason === 'InitStepRetriesExhausted' &&
          conditionOf(s, 'Stalled')?.observedGeneration === 2 &&
          pods.length === 1 &&
          !before.has(pods[0])
        );
      },
      150_000,
    );
    const fresh = async () => [...(await createdPods('budget'))].filter((n) => !before.has(n));
    await eventually('the Events of the fresh attempts', async () => (await fresh()).length >= 2, 10_000);
    await sleep(5_000);
    assert.equal((await fresh()).length, 2, `two fresh attempts: ${(await fresh()).join(', ')}`);
  });

  it('timeoutSeconds: a step sleeping past its deadline has its Pod replaced, StepTimedOut in the status; with retries the last Pod is kept running', async () => {
    const { cluster } = realHarness();
    const sleeper = (name: string, policy: object) =>
      anApp(name, {
        initSteps: [
          {
            name: 'migrate',
            image: 'busybox:1.36',
            command: ['sh', '-c', 'echo "waiting for the lock"; sleep 3600'],
            timeoutSeconds: 8,
            ...policy,
          },
        ],
      });
    const budget = new AppHistory('slow-budget', 'migrate');
    const endless = new AppHistory('slow-endless', 'migrate');
    try {
      await apply(sleeper('slow-budget', { retries: 1 }));
      await apply(sleeper('slow-endless', {}));
      await eventually(
        'slow-budget Stalled with InitStepRetriesExhausted',
        async () => conditionOf(await statusOf('slow-budget'), 'Stalled')?.reason === 'InitStepRetriesExhausted',
        180_000,
      );
      await eventually('slow-endless replaced twice', async () => endless.attempts.length >= 3, 120_000);
      await sleep(5_000);
    } finally {
      budget.stop();
      endless.stop();
      for (const [app, history] of [
        ['slow-budget', budget],
        ['slow-endless', endless],
      ] as const) {
        console.log(`      ${app}, as the kubelet reported:\n        ${history.describe()}`);
        console.log(`      ${app} Degraded: ${history.seen((s) => conditionOf(s, 'Degraded')?.reason).join(' → ')}`);
        const remembered = history.seen((s) => {
          const f = s.initSteps?.[0]?.lastFailure;
          return f && `${f.reason}${f.exitCode !== undefined ? ` ${f.exitCode}` : ''} (${f.pod})`;
        });
        console.log(`      ${app} lastFailure: ${remembered.join(' → ')}`);
        const events = await eventsOf(app).catch(() => []);
        console.log(
          `      ${app} Events:\n        ${events.map((e) => `${e.reason}: ${e.message}`).join('\n        ')}`,
        );
      }
    }

    // Each replaced Pod ran its step for timeoutSeconds, then the operator deleted it: the kubelet
    // does not end a step itself. The replacement came within a generous bound of the deadline.
    for (const history of [budget, endless]) {
      const attempts = history.attempts;
      for (const [i, { pod, versions, deleteRequested: requested }] of attempts.slice(0, -1).entries()) {
        const name = pod.metadata?.name;
        const started = versions.find((v) => v.step?.state?.running)?.step?.state?.running?.startedAt;
        assert.ok(started, `${name}: its step never ran`);
        assert.ok(requested, `${name} was not deleted`);
        const ranFor = seconds(started, requested);
        const next = attempts[i + 1].pod.metadata?.creationTimestamp;
        console.log(
          `      ${name}: deleted ${ranFor}s after its step started; next Pod ${seconds(requested, next)}s later`,
        );
        assert.ok(ranFor >= 7 && ranFor <= 20, `${name}: deleted ${ranFor}s after its step started (timeoutSeconds 8)`);
        assert.ok(
          versions.every((v) => !v.step?.state?.terminated || v.terminating),
          `${name}: the step ended before the operator deleted the Pod`,
        );
      }
    }

    // With retries 1: two Pods, the last one kept with its step still running.
    assert.equal(budget.names.length, 2, `two attempts: ${budget.names.join(', ')}`);
    const kept = budget.names[1];
    assert.deepEqual(await podsOf('slow-budget'), [kept]);
    const keptPod = JSON.parse(await cluster.kubectl(['get', 'pod', '-n', ns, kept, '-o', 'json'])) as V1Pod;
    assert.ok(keptPod.status?.initContainerStatuses?.[0].state?.running, JSON.stringify(keptPod.status));
    assert.equal((await cluster.kubectl(['logs', '-n', ns, kept, '-c', 'migrate'])).trim(), 'waiting for the lock');
    const status = await statusOf('slow-budget');
    assert.match(
      conditionOf(status, 'Stalled')?.message ?? '',
      /^step 1\/1 migrate ran past its timeoutSeconds \(8s\); 2 attempts failed, retries \(1\) are used up/,
    );
    const step = status.initSteps?.[0];
    assert.equal(step?.reason, 'StepTimedOut');
    assert.deepEqual(
      { ...step?.lastFailure, time: undefined },
      { reason: 'StepTimedOut', message: 'still running after 8s, its timeoutSeconds', pod: kept, time: undefined },
    );

    // What a person saw on the way: StepTimedOut, never an exit code of the step the operator ended.
    for (const [app, history, wanted] of [
      ['slow-budget', budget, ['StepTimedOut', 'InitStepRetriesExhausted']],
      ['slow-endless', endless, ['StepTimedOut']],
    ] as const) {
      const degraded = history.seen((s) => conditionOf(s, 'Degraded')?.reason);
      const problems = degraded.filter((r) => r !== '(none)' && r !== 'AsExpected');
      assert.deepEqual(problems, wanted, `${app} Degraded: ${degraded.join(' → ')}`);
      const remembered = history.seen((s) => s.initSteps?.[0]?.lastFailure?.reason).filter((r) => r !== '(none)');
      assert.deepEqual(remembered, ['StepTimedOut'], `${app} lastFailure: ${remembered.join(' → ')}`);
      const events = await eventsOf(app);
      const timedOut = events.find((e) => e.reason === 'StepTimedOut');
      assert.equal(timedOut?.type, 'Warning', events.map((e) => `${e.type} ${e.reason}`).join(', '));
      assert.match(timedOut.message, /step 1\/1 migrate ran past its timeoutSeconds \(8s\)/);
      assert.ok(
        events.some((e) => e.reason === 'PodDeleted' && /ran past its timeoutSeconds/.test(e.message)),
        'a PodDeleted Event says why',
      );
      assert.ok(
        !events.some((e) => e.reason === 'InitStepCrashLooping' || e.reason === 'InitStepFailed'),
        `${app}: ${events.map((e) => `${e.reason}: ${e.message}`).join('\n')}`,
      );
    }
  });
});
