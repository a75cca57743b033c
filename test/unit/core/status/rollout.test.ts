import { strict as assert } from 'node:assert';
import type { V1Pod } from '@kubernetes/client-node';
import type { AppStatus } from '../../../../src/api/status';
import { anApp, aPod, NOW, type AppBuilder } from '../../../fixtures';
import { cond, line, minutes, podWith, status } from './helpers';

describe('Progressing, Ready, Reconciling and Stalled', () => {
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

  describe('optional sidecars never stall the rollout', () => {
    const optionalLog = anApp().withSidecar('log', { optional: true }).with({ progressDeadlineSeconds: 60 });
    const requiredLog = anApp().withSidecar('log').with({ progressDeadlineSeconds: 60 });

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
  });
});
