import { strict as assert } from 'node:assert';
import type { V1Pod } from '@kubernetes/client-node';
import type { AppStatus } from '../../../../src/api/status';
import { anApp, aPod, NOW } from '../../../fixtures';
import { cond, gate, line, status } from './helpers';

describe('Degraded', () => {
  const app = anApp()
    .withStep('config-initializer')
    .withWait('wait-for-db', { tcp: { host: 'db', port: 5432 } })
    .withSidecar('monitor');

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

  it('reports a failed create', () => {
    const s = status(app, [], { failure: { reason: 'FailedCreate', message: 'could not create Pods: forbidden' } });
    assert.deepEqual([cond(s, 'Degraded').status, cond(s, 'Degraded').reason], ['True', 'FailedCreate']);
  });

  it('reports waitUntilReady that Auto could not honour (Classic on a server older than 1.29) as Degraded', () => {
    const app = anApp().withSidecar('log').withSidecar('proxy', gate);
    const s = status(app, [], { sidecarMode: 'Classic' });
    assert.deepEqual(line(s, 'Degraded'), [
      'Degraded=True/SidecarWaitUnsupported: spec.sidecars[1].waitUntilReady: sidecarMode Auto chose Classic sidecars (the API server is older than Kubernetes 1.29), so the app starts without waiting for sidecar proxy to be ready',
    ]);
    assert.equal(cond(status(app, []), 'Degraded').status, 'False', 'Native: nothing to say');
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
  });

  describe('init step attempts: a retry budget and a deadline', () => {
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

    it('within its timeoutSeconds a step is just running', () => {
      const a = budget({ timeoutSeconds: 30 });
      const s = status(a, [aPod(a).stepRunningFor('migrate', 29).build()]);
      assert.equal(cond(s, 'Degraded').reason, 'AsExpected');
      assert.equal(s.initSteps![0].lastFailure, undefined);
    });
  });
});
