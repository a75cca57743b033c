import { strict as assert } from 'node:assert';
import type { V1Pod } from '@kubernetes/client-node';
import { parseSpec } from '../../../src/api/validation/parse-spec';
import type { AppStatus } from '../../../src/api/status';
import { deriveStatus } from '../../../src/core/status';
import { slimPod } from '../../../src/core/pod-facts';
import { printPod } from '../../../src/core/print-pod';
import { anApp, aPod, NOW, type AppBuilder } from '../../fixtures';

function status(app: AppBuilder, pods: V1Pod[], extra: Partial<Parameters<typeof deriveStatus>[0]> = {}): AppStatus {
  return deriveStatus({
    generation: 2,
    parsed: parseSpec(app.spec),
    pods,
    hash: app.template().hash,
    sidecarMode: 'Native',
    now: NOW,
    ...extra,
  });
}
const cond = (s: AppStatus, type: string) => s.conditions!.find((c) => c.type === type)!;
const summary = (s: AppStatus) => [s.phase, s.podStatus, s.ready, s.initProgress, s.sidecarsReady].join(' ');

describe('deriveStatus', () => {
  const app = anApp()
    .withStep('config-initializer')
    .withWait('wait-for-db', { tcp: { host: 'db', port: 5432 } })
    .withSidecar('monitor');

  const table: Array<[string, V1Pod[], string, string, string]> = [
    // name, pods, "phase podStatus ready init sidecars", Initialized reason, Ready reason
    ['no Pod yet', [], 'Pending Pending 0/1 0/2 0/1', 'PodsPending', 'PodsPending'],
    [
      'Pod admitted, nothing ran',
      [aPod(app).created().build()],
      'Initializing Init:0/3 0/1 0/2 0/1',
      'InitStepWaiting',
      'PodsNotReady',
    ],
    [
      'first step running',
      [aPod(app).initDone(0).build()],
      'Initializing Init:0/3 0/1 0/2 0/1',
      'InitStepRunning',
      'PodsNotReady',
    ],
    [
      'second step running',
      [aPod(app).initDone(1).build()],
      'Initializing Init:1/3 0/1 1/2 0/1',
      'InitStepRunning',
      'PodsNotReady',
    ],
    [
      'steps done, sidecar started but not ready',
      [aPod(app).initDone(2).build()],
      'Initializing PodInitializing 0/1 2/2 0/1',
      'InitStepsSucceeded',
      'PodsNotReady',
    ],
    ['all ready', [aPod(app).ready().build()], 'Running Running 1/1 2/2 1/1', 'InitStepsSucceeded', 'PodsReady'],
    [
      'a step crash-looping',
      [aPod(app).crashLooping('wait-for-db').build()],
      'Degraded Init:CrashLoopBackOff 0/1 1/2 0/1',
      'InitStepCrashLooping',
      'PodsNotReady',
    ],
  ];
  for (const [name, pods, want, initialized, ready] of table) {
    it(name, () => {
      const s = status(app, pods);
      assert.equal(summary(s), want);
      assert.equal(cond(s, 'Initialized').reason, initialized);
      assert.equal(cond(s, 'Ready').reason, ready);
      assert.ok(s.conditions!.every((c) => c.observedGeneration === 2));
    });
  }

  it('says which step runs, in a sentence', () => {
    const s = status(app, [aPod(app).initDone(1).build()]);
    assert.deepEqual(cond(s, 'Initialized'), {
      type: 'Initialized',
      status: 'False',
      reason: 'InitStepRunning',
      message: 'step 2/2 wait-for-db running',
      lastTransitionTime: '2026-11-25T12:00:00Z',
      observedGeneration: 2,
    });
    assert.deepEqual(
      s.initSteps!.map((st) => `${st.name}:${st.state}`),
      ['config-initializer:Succeeded', 'wait-for-db:Running'],
    );
  });

  it('reports a crash-looping step with its exit code and last log lines (no restart counter: the message stays)', () => {
    const s = status(app, [
      aPod(app)
        .crashLooping(
          'wait-for-db',
          1,
          4,
          'try 149: db:5432 not answering yet\ngave up: db:5432 did not answer within 300s (150 tries)',
        )
        .build(),
    ]);
    const degraded = cond(s, 'Degraded');
    assert.equal(degraded.status, 'True');
    assert.equal(degraded.reason, 'InitStepCrashLooping');
    assert.equal(
      degraded.message,
      'step 2/2 wait-for-db keeps failing (exit code 1): try 149: db:5432 not answering yet | gave up: db:5432 did not answer within 300s (150 tries)',
    );
    assert.deepEqual(s.initSteps![1], {
      name: 'wait-for-db',
      state: 'Failed',
      restartCount: 4,
      exitCode: 1,
      reason: 'Error',
      message: 'try 149: db:5432 not answering yet | gave up: db:5432 did not answer within 300s (150 tries)',
      startedAt: '2026-11-25T12:00:00Z',
      finishedAt: '2026-11-25T12:00:00Z',
      lastFailure: {
        exitCode: 1,
        reason: 'Error',
        message: 'try 149: db:5432 not answering yet | gave up: db:5432 did not answer within 300s (150 tries)',
        time: '2026-11-25T12:00:00Z',
        pod: s.pods![0].name,
      },
    });
    assert.equal(s.restarts, 4);
  });

  it('reports the least advanced Pod and how many Pods are there', () => {
    const three = anApp()
      .withStep('config-initializer')
      .withWait('wait-for-db', { tcp: { host: 'db', port: 5432 } })
      .withSidecar('monitor')
      .with({ replicas: 3 });
    const s = status(three, [
      aPod(three, 0).ready().build(),
      aPod(three, 1).initDone(1).build(),
      aPod(three, 2).initDone(1).build(),
    ]);
    assert.equal(summary(s), 'Initializing Init:1/3 1/3 1/2 0/1');
    assert.equal(cond(s, 'Initialized').message, 'step 2/2 wait-for-db running (2 of 3 Pods)');
    assert.deepEqual(
      s.pods!.map((p) => `${p.name} ${p.status} ${p.ready}`),
      [
        `shop-${three.template().hash.slice(0, 5)}-0 Running 2/2`,
        `shop-${three.template().hash.slice(0, 5)}-1 Init:1/3 0/2`,
        `shop-${three.template().hash.slice(0, 5)}-2 Init:1/3 0/2`,
      ],
    );
  });

  it('marks an invalid spec Degraded/InvalidSpec and keeps counting the Pods that run', () => {
    const s = deriveStatus({
      generation: 3,
      parsed: parseSpec({ app: { name: 'web' } }),
      pods: [aPod(app).ready().build()],
      now: NOW,
    });
    assert.equal(s.phase, 'Degraded');
    assert.equal(cond(s, 'Degraded').reason, 'InvalidSpec');
    assert.match(cond(s, 'Degraded').message, /Pods are left as they are: spec\.app\.image: /);
    assert.equal(s.readyReplicas, 1);
  });

  it('reports a failed create', () => {
    const s = status(app, [], { failure: { reason: 'FailedCreate', message: 'could not create Pods: forbidden' } });
    assert.deepEqual([cond(s, 'Degraded').status, cond(s, 'Degraded').reason], ['True', 'FailedCreate']);
  });

  it('keeps lastTransitionTime while a condition keeps its status', () => {
    const first = status(app, [aPod(app).initDone(0).build()]);
    const later = status(app, [aPod(app).initDone(1).build()], {
      previous: first,
      now: new Date('2026-11-25T12:05:00Z'),
    });
    assert.equal(cond(later, 'Initialized').lastTransitionTime, '2026-11-25T12:00:00Z');
    const done = status(app, [aPod(app).ready().build()], { previous: later, now: new Date('2026-11-25T12:06:00Z') });
    assert.equal(cond(done, 'Initialized').lastTransitionTime, '2026-11-25T12:06:00Z');
  });

  it('is the same for the same inputs, so an unchanged world writes nothing', () => {
    const pods = [aPod(app).ready().build()];
    const first = status(app, pods);
    assert.deepEqual(status(app, pods, { previous: first, now: new Date('2026-11-25T13:00:00Z') }), first);
  });

  it('counts Classic sidecars among the containers', () => {
    const classic = anApp().withSidecar('log').with({ sidecarMode: 'Classic' });
    const s = deriveStatus({
      parsed: parseSpec(classic.spec),
      pods: [aPod(classic).ready().build()],
      hash: classic.template().hash,
      sidecarMode: 'Classic',
      now: NOW,
    });
    assert.equal(summary(s), 'Running Running 1/1 0/0 1/1');
  });

  describe('a step that keeps failing, through the kubelet turns of each restart', () => {
    const one = anApp().withStep('migrate');
    // [what the kubelet shows, pod, Degraded reason, Initialized reason, step entry]
    const turns: Array<[string, V1Pod, string, string, string]> = [
      ['running, first try', aPod(one).initDone(0).build(), 'AsExpected', 'InitStepRunning', 'Running'],
      [
        'exited with an error, first time',
        aPod(one).crashLooping('migrate', 3, 0, 'no db', 'error').build(),
        'InitStepFailed',
        'InitStepFailed',
        'Failed exit 3 Error: no db',
      ],
      [
        'waiting in CrashLoopBackOff',
        aPod(one).crashLooping('migrate', 3, 1, 'no db', 'waiting').build(),
        'InitStepCrashLooping',
        'InitStepCrashLooping',
        'Failed exit 3 Error: no db',
      ],
      [
        'running again',
        aPod(one).crashLooping('migrate', 3, 1, 'no db', 'running').build(),
        'InitStepCrashLooping',
        'InitStepCrashLooping',
        'Running exit 3 Error: no db',
      ],
      [
        'exited with an error again',
        aPod(one).crashLooping('migrate', 3, 1, 'no db', 'error').build(),
        'InitStepCrashLooping',
        'InitStepCrashLooping',
        'Failed exit 3 Error: no db',
      ],
      [
        'waiting again, more restarts',
        aPod(one).crashLooping('migrate', 3, 7, 'no db', 'waiting').build(),
        'InitStepCrashLooping',
        'InitStepCrashLooping',
        'Failed exit 3 Error: no db',
      ],
      ['succeeded at last', aPod(one).ready().build(), 'AsExpected', 'InitStepsSucceeded', 'Succeeded'],
    ];
    for (const [name, pod, degraded, initialized, entry] of turns)
      it(name, () => {
        const s = status(one, [pod]);
        const st = s.initSteps![0];
        assert.deepEqual(
          [
            cond(s, 'Degraded').reason,
            cond(s, 'Initialized').reason,
            `${st.state}${st.exitCode ? ` exit ${st.exitCode} ${st.reason}: ${st.message}` : ''}`,
          ],
          [degraded, initialized, entry],
        );
      });

    it('with several Pods, says crash-looping while one Pod fails for the first time', () => {
      const two = anApp().withStep('migrate').with({ replicas: 2 });
      const s = status(two, [
        aPod(two, 0).crashLooping('migrate', 3, 0, 'no db', 'error').build(),
        aPod(two, 1).crashLooping('migrate', 3, 4, 'no db', 'running').build(),
      ]);
      assert.equal(cond(s, 'Degraded').reason, 'InitStepCrashLooping');
    });

    it('says the same, word for word, in every turn after the first restart', () => {
      const messages = new Set(
        (['waiting', 'running', 'error'] as const).flatMap((turn) =>
          [1, 2, 9].map((restarts) => {
            const s = status(one, [aPod(one).crashLooping('migrate', 3, restarts, 'no db', turn).build()]);
            return [cond(s, 'Degraded'), cond(s, 'Initialized')].map((c) => `${c.reason}: ${c.message}`).join(' / ');
          }),
        ),
      );
      assert.deepEqual(
        [...messages],
        [
          'InitStepCrashLooping: step 1/1 migrate keeps failing (exit code 3): no db / InitStepCrashLooping: step 1/1 migrate keeps failing (exit code 3): no db',
        ],
      );
    });
  });

  describe('Ready, Progressing, Reconciling and Stalled', () => {
    const three = anApp().withStep('migrate').with({ replicas: 3 });
    const old = anApp()
      .withStep('migrate')
      .with({ replicas: 3, app: { name: 'web', image: 'nginx:1.24' } });
    const oldHash = old.template().hash;
    const conditions = (s: AppStatus) =>
      ['Ready', 'Progressing', 'Reconciling', 'Stalled']
        .map((t) => `${t}=${cond(s, t).status}/${cond(s, t).reason}`)
        .join(' ');
    const table: Array<[string, V1Pod[], string]> = [
      [
        'no Pod yet',
        [],
        'Ready=False/PodsPending Progressing=True/CreatingPods Reconciling=True/CreatingPods Stalled=False/AsExpected',
      ],
      [
        'all three current and ready',
        [0, 1, 2].map((i) => aPod(three, i).ready().build()),
        'Ready=True/PodsReady Progressing=False/Complete Reconciling=False/Complete Stalled=False/AsExpected',
      ],
      [
        'rolling: three current and ready, one old still live',
        [...[0, 1, 2].map((i) => aPod(three, i).ready().build()), aPod(three, 2).ready().withHash(oldHash).build()],
        'Ready=False/PodsNotReady Progressing=True/RollingUpdate Reconciling=True/RollingUpdate Stalled=False/AsExpected',
      ],
      [
        'rolling: three current, one of them not ready, one old ready (Ready used to say True here)',
        [
          aPod(three, 0).ready().build(),
          aPod(three, 1).ready().build(),
          aPod(three, 2).initDone(0).build(),
          aPod(three, 2).ready().withHash(oldHash).build(),
        ],
        'Ready=False/PodsNotReady Progressing=True/RollingUpdate Reconciling=True/RollingUpdate Stalled=False/AsExpected',
      ],
      [
        'the old one being deleted',
        [
          ...[0, 1, 2].map((i) => aPod(three, i).ready().build()),
          aPod(three, 2).ready().withHash(oldHash).terminating().build(),
        ],
        'Ready=True/PodsReady Progressing=True/DeletingPods Reconciling=True/DeletingPods Stalled=False/AsExpected',
      ],
      [
        'all current, one still starting',
        [aPod(three, 0).ready().build(), aPod(three, 1).ready().build(), aPod(three, 2).initDone(0).build()],
        'Ready=False/PodsNotReady Progressing=True/StartingPods Reconciling=True/StartingPods Stalled=False/AsExpected',
      ],
    ];
    for (const [name, pods, want] of table)
      it(name, () => {
        assert.equal(conditions(status(three, pods)), want);
      });

    const minutes = (m: number) => new Date(NOW.getTime() + m * 60_000);
    const looping = (restarts: number) => [
      aPod(anApp().withStep('migrate'), 0).crashLooping('migrate', 3, restarts).build(),
    ];
    const one = anApp().withStep('migrate').with({ progressDeadlineSeconds: 120 });

    it('is Stalled once nothing progressed for progressDeadlineSeconds, and says why', () => {
      const first = status(one, looping(1));
      assert.equal(first.lastProgressTime, NOW.toISOString());
      const before = status(one, looping(3), { previous: first, now: minutes(1.9) });
      assert.equal(before.lastProgressTime, NOW.toISOString(), 'restarts are no progress');
      assert.equal(cond(before, 'Reconciling').status, 'True');
      const after = status(one, looping(5), { previous: before, now: minutes(2) });
      assert.equal(
        conditions(after),
        'Ready=False/PodsNotReady Progressing=False/ProgressDeadlineExceeded Reconciling=False/ProgressDeadlineExceeded Stalled=True/ProgressDeadlineExceeded',
      );
      assert.equal(
        cond(after, 'Stalled').message,
        'no progress for 120s (progressDeadlineSeconds): step 1/1 migrate keeps failing (exit code 3): connection refused',
      );
      assert.equal(cond(after, 'Degraded').reason, 'InitStepCrashLooping');
    });

    it('progress resumes it: a finished step, a ready Pod or a new spec', () => {
      const stalled = status(one, looping(5), { previous: status(one, looping(1)), now: minutes(3) });
      assert.equal(cond(stalled, 'Stalled').status, 'True');
      const ready = status(one, [aPod(one).ready().build()], { previous: stalled, now: minutes(4) });
      assert.equal(ready.lastProgressTime, minutes(4).toISOString());
      assert.equal(
        conditions(ready),
        'Ready=True/PodsReady Progressing=False/Complete Reconciling=False/Complete Stalled=False/AsExpected',
      );
      const respecified = status(one, looping(5), { previous: stalled, now: minutes(4), generation: 3 });
      assert.equal(cond(respecified, 'Stalled').status, 'False');
      assert.equal(cond(respecified, 'Reconciling').status, 'True');
    });

    it('never stalls a complete rollout, however long it runs', () => {
      const ready = status(one, [aPod(one).ready().build()]);
      assert.deepEqual(status(one, [aPod(one).ready().build()], { previous: ready, now: minutes(600) }), ready);
    });

    it('stalls an invalid spec at once (kstatus Failed)', () => {
      const s = deriveStatus({ generation: 3, parsed: parseSpec({ app: { name: 'web' } }), pods: [], now: NOW });
      assert.equal(
        conditions(s).split(' ').slice(2).join(' '),
        'Reconciling=False/InvalidSpec Stalled=True/InvalidSpec',
      );
    });
  });

  describe('an app that keeps failing stays AppCrashLooping through every turn, with its last failure', () => {
    const plain = anApp();
    const failure = { exitCode: 2, reason: 'Error', message: 'bind: address in use' };
    const turns: Array<[string, object, number, string]> = [
      ['first exit', { terminated: failure }, 0, 'AppFailed: app web exited with code 2: bind: address in use'],
      ['waiting in CrashLoopBackOff', { waiting: { reason: 'CrashLoopBackOff' } }, 1, 'AppCrashLooping'],
      ['running again, not ready', { running: { startedAt: NOW } }, 1, 'AppCrashLooping'],
      ['exited again', { terminated: failure }, 2, 'AppCrashLooping'],
      ['waiting again', { waiting: { reason: 'CrashLoopBackOff' } }, 5, 'AppCrashLooping'],
    ];
    for (const [name, state, restarts, want] of turns)
      it(name, () => {
        const pod = aPod(plain).ready().build();
        pod.status!.conditions = pod.status!.conditions!.map((c) => ({
          ...c,
          status: c.type === 'Initialized' ? 'True' : 'False',
        }));
        pod.status!.containerStatuses = [
          {
            ...pod.status!.containerStatuses![0],
            ready: false,
            restartCount: restarts,
            ...(restarts ? { lastState: { terminated: failure } } : {}),
            state,
          },
        ];
        const s = status(plain, [pod]);
        const d = cond(s, 'Degraded');
        const looping = 'AppCrashLooping: app web keeps failing (exit code 2): bind: address in use';
        assert.equal(`${d.reason}: ${d.message}`, want === 'AppCrashLooping' ? looping : want);
        // Its last failure stays in the app's entry through every turn, as a step's and a sidecar's.
        assert.deepEqual(
          [s.app!.lastFailure?.exitCode, s.app!.lastFailure?.message, s.app!.lastFailure?.pod],
          [2, 'bind: address in use', pod.metadata!.name],
        );
      });

    it('keeps the app lastFailure while a replacement starts, and drops it once the app is ready with the current template', () => {
      const failure = { exitCode: 1, reason: 'Error', message: 'nginx: [emerg] unknown directive', pod: 'web-old-0' };
      const previous: AppStatus = {
        app: { name: 'web', state: 'Waiting', ready: false, restartCount: 3, lastFailure: failure },
      };
      assert.deepEqual(status(plain, [aPod(plain).created().build()], { previous }).app!.lastFailure, failure);
      assert.deepEqual(status(plain, [], { previous }).app!.lastFailure, failure);
      assert.equal(status(plain, [aPod(plain).ready().build()], { previous }).app!.lastFailure, undefined);
    });
  });

  it('keeps a crash-looping sidecar SidecarCrashLooping while it runs again, not ready', () => {
    const withLog = anApp().withSidecar('log');
    const pod = aPod(withLog).ready().build();
    const sidecar = pod.status!.initContainerStatuses![0];
    pod.status!.initContainerStatuses![0] = {
      ...sidecar,
      ready: false,
      restartCount: 2,
      lastState: { terminated: { exitCode: 137, reason: 'OOMKilled' } },
      state: { running: { startedAt: NOW } },
    };
    const s = status(withLog, [pod]);
    assert.deepEqual(
      [cond(s, 'Degraded').reason, cond(s, 'Degraded').message, cond(s, 'SidecarsReady').reason],
      ['SidecarCrashLooping', 'sidecar log keeps failing (exit code 137)', 'SidecarCrashLooping'],
    );
  });
});

describe('deriveStatus: sidecar policies (waitUntilReady, optional)', () => {
  const minutes = (m: number) => new Date(NOW.getTime() + m * 60_000);
  /** The Pod of `app` with every container ready except `sidecar`, crash-looping (exit 137) or running not ready. */
  const podWith = (
    app: AppBuilder,
    sidecar: string,
    how: 'crashing' | 'unready',
    mode: 'Native' | 'Classic' = 'Native',
  ) => {
    const pod = aPod(app).ready().build();
    pod.status!.conditions = pod.status!.conditions!.map((c) =>
      c.type === 'Initialized' ? c : { ...c, status: 'False' },
    );
    const list = mode === 'Native' ? pod.status!.initContainerStatuses! : pod.status!.containerStatuses!;
    const i = list.findIndex((c) => c.name === sidecar);
    list[i] =
      how === 'crashing'
        ? {
            ...list[i],
            ready: false,
            restartCount: 2,
            lastState: { terminated: { exitCode: 137, reason: 'OOMKilled' } },
            state: { waiting: { reason: 'CrashLoopBackOff' } },
          }
        : { ...list[i], ready: false };
    return pod;
  };
  const line = (s: AppStatus, ...types: string[]) =>
    types.map((t) => `${t}=${cond(s, t).status}/${cond(s, t).reason}: ${cond(s, t).message}`);
  const optionalLog = anApp().withSidecar('log', { optional: true }).with({ progressDeadlineSeconds: 60 });
  const requiredLog = anApp().withSidecar('log').with({ progressDeadlineSeconds: 60 });

  const table: Array<[string, AppBuilder, V1Pod[], 'Native' | 'Classic', string[]]> = [
    [
      'an optional sidecar crash-looping: reported in SidecarsReady, not Degraded; Ready follows the Pod',
      optionalLog,
      [podWith(optionalLog, 'log', 'crashing')],
      'Native',
      [
        'Degraded=False/AsExpected: nothing is failing',
        'SidecarsReady=False/OptionalSidecarCrashLooping: 0/1 sidecars ready; optional sidecar log keeps failing (exit code 137)',
        'Ready=False/PodsNotReady: 0/1 Pods are ready; the least advanced is Running',
      ],
    ],
    [
      'the same in Classic mode',
      anApp().withSidecar('log', { optional: true }).with({ sidecarMode: 'Classic' }),
      [
        podWith(
          anApp().withSidecar('log', { optional: true }).with({ sidecarMode: 'Classic' }),
          'log',
          'crashing',
          'Classic',
        ),
      ],
      'Classic',
      [
        'Degraded=False/AsExpected: nothing is failing',
        'SidecarsReady=False/OptionalSidecarCrashLooping: 0/1 sidecars ready; optional sidecar log keeps failing (exit code 137)',
        'Ready=False/PodsNotReady: 0/1 Pods are ready; the least advanced is CrashLoopBackOff',
      ],
    ],
    [
      'a required sidecar crash-looping, for comparison',
      requiredLog,
      [podWith(requiredLog, 'log', 'crashing')],
      'Native',
      [
        'Degraded=True/SidecarCrashLooping: sidecar log keeps failing (exit code 137)',
        'SidecarsReady=False/SidecarCrashLooping: 0/1 sidecars ready; sidecar log keeps failing (exit code 137)',
        'Ready=False/PodsNotReady: 0/1 Pods are ready; the least advanced is Running',
      ],
    ],
  ];
  for (const [name, app, pods, sidecarMode, want] of table)
    it(name, () => {
      assert.deepEqual(line(status(app, pods, { sidecarMode }), 'Degraded', 'SidecarsReady', 'Ready'), want);
    });

  it('names a failing required sidecar before a failing optional one', () => {
    const both = anApp().withSidecar('log', { optional: true }).withSidecar('proxy');
    const pod = podWith(both, 'log', 'crashing');
    pod.status!.initContainerStatuses![1] = podWith(both, 'proxy', 'crashing').status!.initContainerStatuses![1];
    assert.deepEqual(line(status(both, [pod]), 'Degraded', 'SidecarsReady'), [
      'Degraded=True/SidecarCrashLooping: sidecar proxy keeps failing (exit code 137)',
      'SidecarsReady=False/SidecarCrashLooping: 0/2 sidecars ready; sidecar proxy keeps failing (exit code 137)',
    ]);
  });

  it('never stalls on an optional sidecar, crashing or never ready; a required one stalls', () => {
    const after = (app: AppBuilder, pod: V1Pod) => {
      const first = status(app, [pod]);
      return status(app, [pod], { previous: first, now: minutes(5) });
    };
    for (const how of ['crashing', 'unready'] as const) {
      const s = after(optionalLog, podWith(optionalLog, 'log', how));
      assert.deepEqual(line(s, 'Stalled', 'Progressing'), [
        'Stalled=False/AsExpected: the rollout is not stuck',
        'Progressing=True/StartingPods: 0/1 Pods are ready; the others wait only for optional sidecars, which never stall the rollout',
      ]);
      assert.equal(s.phase, 'Pending', 'phase follows the Pods: none is ready');
    }
    const required = after(requiredLog, podWith(requiredLog, 'log', 'unready'));
    assert.equal(
      line(required, 'Stalled')[0],
      'Stalled=True/ProgressDeadlineExceeded: no progress for 60s (progressDeadlineSeconds): 0/1 Pods are ready; the least advanced is Running',
    );
  });

  it('stalls when an optional sidecar is not all that is missing: the app itself not ready', () => {
    const pod = podWith(optionalLog, 'log', 'crashing');
    pod.status!.containerStatuses![0] = { ...pod.status!.containerStatuses![0], ready: false };
    const s = status(optionalLog, [pod], { previous: status(optionalLog, [pod]), now: minutes(5) });
    assert.equal(cond(s, 'Stalled').status, 'True');
    assert.equal(cond(s, 'Degraded').status, 'False');
  });

  it('still stalls a rolling update whose new Pod an optional sidecar keeps from Ready: the old Pod serves meanwhile', () => {
    const oldPod = aPod(anApp().withSidecar('log', { optional: true }).with({ progressDeadlineSeconds: 60 }))
      .ready()
      .withHash('0ld0000000')
      .build();
    const pods = [podWith(optionalLog, 'log', 'crashing'), oldPod];
    const s = status(optionalLog, pods, { previous: status(optionalLog, pods), now: minutes(5) });
    assert.deepEqual(line(s, 'Degraded', 'Stalled'), [
      'Degraded=False/AsExpected: nothing is failing',
      'Stalled=True/ProgressDeadlineExceeded: no progress for 60s (progressDeadlineSeconds): 1 of 1 Pods have the current template',
    ]);
  });

  const gate = { waitUntilReady: true, readinessProbe: { httpGet: { path: '/ready', port: 9901 } } };
  it('says what a step waits for behind a waitUntilReady sidecar', () => {
    const app = anApp()
      .withStep('migrate')
      .withSidecar('proxy', { ...gate, startBeforeInitSteps: true });
    const pod = aPod(app).initDone(0).build(); // proxy running, not ready; migrate waiting
    assert.deepEqual(line(status(app, [pod]), 'Initialized', 'SidecarsReady'), [
      'Initialized=False/InitStepWaiting: step 1/1 migrate waits for sidecar proxy to be ready (waitUntilReady)',
      'SidecarsReady=False/SidecarsNotReady: 0/1 sidecars ready; sidecar proxy is running but not ready; the containers after it wait until it is ready (waitUntilReady)',
    ]);
  });

  it('reports waitUntilReady that Auto could not honour (Classic on a server older than 1.29) as Degraded', () => {
    const app = anApp().withSidecar('log').withSidecar('proxy', gate);
    const s = status(app, [], { sidecarMode: 'Classic' });
    assert.deepEqual(line(s, 'Degraded'), [
      'Degraded=True/SidecarWaitUnsupported: spec.sidecars[1].waitUntilReady: sidecarMode Auto chose Classic sidecars (the API server is older than Kubernetes 1.29), so the app starts without waiting for sidecar proxy to be ready',
    ]);
    assert.equal(cond(status(app, []), 'Degraded').status, 'False', 'Native: nothing to say');
  });
});

describe('slimPod', () => {
  const app = anApp()
    .withStep('config-initializer')
    .withWait('wait-for-db', { tcp: { host: 'db', port: 5432 } })
    .withSidecar('monitor');
  const pods: Array<[string, V1Pod]> = [
    ['created', aPod(app).created().build()],
    ['initializing', aPod(app).initDone(1).build()],
    ['ready', aPod(app).ready().build()],
    ['crash-looping', aPod(app).crashLooping('wait-for-db').build()],
    ['terminating', aPod(app).ready().terminating().build()],
  ];
  for (const [name, pod] of pods) {
    it(`keeps everything status and printing read: ${name}`, () => {
      const full = status(app, [pod]);
      assert.deepEqual(status(app, [slimPod(pod)]), full);
      assert.deepEqual(printPod(slimPod(pod), NOW), printPod(pod, NOW));
      assert.ok(JSON.stringify(slimPod(pod)).length < JSON.stringify(pod).length);
    });
  }

  it('reads each Pod as it was rendered: Classic sidecars still count after Auto turned Native', () => {
    const classic = anApp().withSidecar('log').with({ sidecarMode: 'Classic' });
    const s = status(classic, [aPod(classic).ready().build()], { sidecarMode: 'Native' });
    assert.equal(s.sidecarsReady, '1/1');
    assert.equal(cond(s, 'SidecarsReady').status, 'True');
  });

  describe('init step attempts and the memory of failures', () => {
    const budget = (extra: Record<string, unknown>) => anApp().withStep('migrate', extra);
    const conds = (s: AppStatus) =>
      ['Degraded', 'Stalled', 'Reconciling', 'Progressing', 'Initialized'].map(
        (t) => `${t}=${cond(s, t).status}/${cond(s, t).reason}`,
      );

    it('out of retries: Degraded and Stalled InitStepRetriesExhausted at once, naming the kept Pod', () => {
      const a = budget({ retries: 1 });
      const pod = aPod(a).stepFailed('migrate', 3, 'no such table').withStepFailures('migrate=1').build();
      const s = status(a, [pod]);
      assert.deepEqual(conds(s), [
        'Degraded=True/InitStepRetriesExhausted',
        'Stalled=True/InitStepRetriesExhausted',
        'Reconciling=False/InitStepRetriesExhausted',
        'Progressing=False/InitStepRetriesExhausted',
        'Initialized=False/InitStepRetriesExhausted',
      ]);
      assert.equal(
        cond(s, 'Degraded').message,
        `step 1/1 migrate failed with exit code 3: no such table; 2 attempts failed, retries (1) are used up, so it is not run again; ` +
          `Pod ${pod.metadata!.name} is kept for kubectl logs; change the spec or set the helpers.dev/restartedAt annotation in podTemplate to start over`,
      );
      assert.deepEqual(s.initSteps![0].lastFailure, {
        exitCode: 3,
        reason: 'Error',
        message: 'no such table',
        time: '2026-11-25T12:00:00Z',
        pod: pod.metadata!.name,
      });
    });

    it('a failure with retries left is InitStepFailed, then InitStepCrashLooping through the next attempts', () => {
      const a = budget({ retries: 3 });
      const first = status(a, [aPod(a).stepFailed('migrate').build()]);
      assert.equal(cond(first, 'Degraded').reason, 'InitStepFailed');
      assert.equal(cond(first, 'Stalled').status, 'False');
      // The replacement runs the step again: the failure is remembered from the status written before.
      const again = status(
        a,
        [aPod(a).stepRunningFor('migrate', 1).withStepFailures('migrate=1').named('shop-x-0-1').build()],
        {
          previous: first,
        },
      );
      assert.equal(cond(again, 'Degraded').reason, 'InitStepCrashLooping');
      assert.equal(cond(again, 'Degraded').message, 'step 1/1 migrate keeps failing (exit code 3): connection refused');
      assert.equal(again.initSteps![0].state, 'Running');
      assert.equal(again.initSteps![0].lastFailure?.pod, first.pods![0].name);
      const failedAgain = status(a, [aPod(a).stepFailed('migrate').withStepFailures('migrate=1').build()], {
        previous: again,
      });
      assert.equal(cond(failedAgain, 'Degraded').reason, 'InitStepCrashLooping');
    });

    it('a step past its timeoutSeconds is StepTimedOut, saying how long it may run, through its replacement', () => {
      const a = budget({ timeoutSeconds: 30 });
      const pod = aPod(a).stepRunningFor('migrate', 31).build();
      const s = status(a, [pod]);
      assert.equal(cond(s, 'Degraded').reason, 'StepTimedOut');
      assert.equal(
        cond(s, 'Degraded').message,
        'step 1/1 migrate ran past its timeoutSeconds (30s): the operator replaces its Pod to try again',
      );
      assert.equal(cond(s, 'Stalled').status, 'False');
      assert.deepEqual(s.initSteps![0].lastFailure, {
        reason: 'StepTimedOut',
        message: 'still running after 30s, its timeoutSeconds',
        time: '2026-11-25T11:59:59Z',
        pod: pod.metadata!.name,
      });
      const next = status(
        a,
        [aPod(a).stepRunningFor('migrate', 2).withStepFailures('migrate=1').named('shop-x-0-1').build()],
        {
          previous: s,
        },
      );
      assert.equal(cond(next, 'Degraded').reason, 'StepTimedOut');
      assert.equal(next.initSteps![0].lastFailure?.pod, pod.metadata!.name);
    });

    it('a step killed with the Pod deleted for its timeout stays StepTimedOut, not the kill (exit code 137)', () => {
      const a = budget({ timeoutSeconds: 30 });
      const slow = aPod(a).stepRunningFor('migrate', 31).build();
      const timedOut = status(a, [slow]);
      // The kubelet stops the step of the deleted Pod and says so before the Pod is gone.
      const killed = aPod(a).stepRunningFor('migrate', 31).terminating().failed().build();
      const cs = killed.status!.initContainerStatuses![0];
      cs.state = {
        terminated: { exitCode: 137, reason: 'Error', startedAt: new Date(NOW.getTime() - 31_000), finishedAt: NOW },
      };
      const next = status(
        a,
        [killed, aPod(a).stepRunningFor('migrate', 1).withStepFailures('migrate=1').named('shop-x-0-1').build()],
        { previous: timedOut },
      );
      assert.deepEqual(next.initSteps![0].lastFailure, timedOut.initSteps![0].lastFailure);
      assert.equal(cond(next, 'Degraded').reason, 'StepTimedOut');
    });

    for (const [what, end] of [
      ['failed by a step out of attempts', (p: ReturnType<typeof aPod>) => p.stepFailed('migrate')],
      ['deleted (a timed-out step, a rollout)', (p: ReturnType<typeof aPod>) => p.initDone(1).terminating()],
    ] as const)
      it(`a sidecar stopped with its Pod ${what} has no lastFailure: it did not fail`, () => {
        const a = anApp().withSidecar('proxy', { startBeforeInitSteps: true }).withStep('migrate', { retries: 0 });
        const pod = end(aPod(a)).build();
        const cs = pod.status!.initContainerStatuses!.find((c) => c.name === 'proxy')!;
        cs.state = { terminated: { exitCode: 143, reason: 'Error', startedAt: NOW, finishedAt: NOW } };
        cs.ready = false;
        assert.equal(status(a, [pod]).sidecars![0].lastFailure, undefined);
      });

    for (const optional of [false, true])
      it(`a${optional ? 'n optional' : ''} sidecar stopped with a Pod its step failed is not crash-looping: no ${optional ? 'Warning for it' : 'SidecarCrashLooping'}`, () => {
        const a = anApp()
          .withSidecar('proxy', { startBeforeInitSteps: true, optional })
          .withStep('migrate', { retries: 1 });
        const pod = aPod(a).stepFailed('migrate').build();
        const cs = pod.status!.initContainerStatuses!.find((c) => c.name === 'proxy')!;
        cs.state = { terminated: { exitCode: 143, reason: 'Error', startedAt: NOW, finishedAt: NOW } };
        cs.ready = false;
        const s = status(a, [pod]);
        assert.equal(cond(s, 'SidecarsReady').reason, 'SidecarsNotReady');
        assert.equal(
          cond(s, 'SidecarsReady').message,
          `0/1 sidecars ready; ${optional ? 'optional sidecar' : 'sidecar'} proxy was stopped with its Pod (Failed)`,
        );
        assert.equal(cond(s, 'Degraded').reason, 'InitStepFailed');
      });

    for (const row of [
      { attempt: 'a first attempt', failures: undefined, progress: true },
      { attempt: 'a Pod replacing failed attempts', failures: 'migrate=2', progress: false },
    ])
      it(`the progress deadline: ${row.attempt} getting through the steps before the failing one is ${row.progress ? '' : 'no '}progress`, () => {
        const a = anApp()
          .withSidecar('proxy', { startBeforeInitSteps: true })
          .withStep('seed')
          .withStep('migrate', { retries: 5 })
          .with({ progressDeadlineSeconds: 60 });
        const at = (p: ReturnType<typeof aPod>) => (row.failures ? p.withStepFailures(row.failures) : p).build();
        const started = status(a, [at(aPod(a).created())]);
        const later = new Date(NOW.getTime() + 61_000);
        // The proxy got ready and seed ran once more: what every earlier attempt did already.
        const s = status(a, [at(aPod(a).initDone(2))], { previous: started, now: later });
        assert.equal(s.lastProgressTime, (row.progress ? later : NOW).toISOString());
        assert.equal(cond(s, 'Stalled').status, row.progress ? 'False' : 'True');
      });

    it('within its timeoutSeconds a step is just running', () => {
      const a = budget({ timeoutSeconds: 30 });
      const s = status(a, [aPod(a).stepRunningFor('migrate', 29).build()]);
      assert.equal(cond(s, 'Degraded').reason, 'AsExpected');
      assert.equal(s.initSteps![0].lastFailure, undefined);
    });

    it('keeps lastFailure across a rollout until the step succeeds with the current template', () => {
      const a = anApp().withStep('migrate').withSidecar('log');
      const failure = {
        exitCode: 2,
        reason: 'Error',
        message: 'boom',
        time: '2026-11-25T11:00:00Z',
        pod: 'shop-old-0',
      };
      const previous: AppStatus = {
        initSteps: [{ name: 'migrate', state: 'Failed', lastFailure: failure }],
        sidecars: [{ name: 'log', state: 'Waiting', ready: false, restartCount: 0, lastFailure: failure }],
      };
      const kept = status(a, [aPod(a).initDone(0).build()], { previous });
      assert.deepEqual(kept.initSteps![0].lastFailure, failure);
      assert.deepEqual(kept.sidecars![0].lastFailure, failure);
      const noPod = status(a, [], { previous });
      assert.deepEqual(noPod.initSteps![0].lastFailure, failure);
      const oldTemplate = status(a, [aPod(a).ready().withHash('0123456789').build()], { previous });
      assert.deepEqual(
        oldTemplate.initSteps![0].lastFailure,
        failure,
        'a success with an older template clears nothing',
      );
      const done = status(a, [aPod(a).ready().build()], { previous });
      assert.equal(done.initSteps![0].lastFailure, undefined);
      assert.equal(done.sidecars![0].lastFailure, undefined);
      const oldStillFailing = aPod(a, 1).crashLooping('migrate', 5, 3, 'old').withHash('0123456789').build();
      const doneBesideOld = status(a, [aPod(a).ready().build(), oldStillFailing], { previous });
      assert.equal(
        doneBesideOld.initSteps![0].lastFailure,
        undefined,
        'an old Pod on its way out does not bring it back',
      );
      const failingBesideDone = status(a, [aPod(a).ready().build(), aPod(a, 1).crashLooping('migrate', 5, 3).build()], {
        previous,
      });
      assert.equal(failingBesideDone.initSteps![0].lastFailure?.exitCode, 5, 'another current Pod failing does');
    });

    it('a sidecar entry keeps its last failure while it restarts, the newest of all Pods', () => {
      const a = anApp().withSidecar('log');
      const pod = aPod(a).crashLooping('log', 137, 2, 'killed').build();
      const s = status(a, [pod]);
      assert.deepEqual(s.sidecars![0].lastFailure, {
        exitCode: 137,
        reason: 'Error',
        message: 'killed',
        time: '2026-11-25T12:00:00Z',
        pod: pod.metadata!.name,
      });
    });
  });
});
