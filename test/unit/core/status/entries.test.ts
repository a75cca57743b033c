import { strict as assert } from 'node:assert';
import type { AppStatus } from '../../../../src/api/status';
import { anApp, aPod, NOW } from '../../../fixtures';
import { status } from './helpers';

describe('the step, sidecar and app entries, each with its last failure', () => {
  const plain = anApp();

  it('keeps the app lastFailure while a replacement starts, and drops it once the app is ready with the current template', () => {
    const failure = { exitCode: 1, reason: 'Error', message: 'nginx: [emerg] unknown directive', pod: 'web-old-0' };
    const previous: AppStatus = {
      app: { name: 'web', state: 'Waiting', ready: false, restartCount: 3, lastFailure: failure },
    };
    assert.deepEqual(status(plain, [aPod(plain).created().build()], { previous }).app!.lastFailure, failure);
    assert.deepEqual(status(plain, [], { previous }).app!.lastFailure, failure);
    assert.equal(status(plain, [aPod(plain).ready().build()], { previous }).app!.lastFailure, undefined);
  });

  it('derives the app lastFailure from its crashes: in lastState while it restarts, in a Pod its exit failed, not in one deleted', () => {
    const crash = {
      exitCode: 1,
      reason: 'Error',
      message: 'nginx: [emerg] unknown directive',
      startedAt: NOW,
      finishedAt: NOW,
    };
    const withApp = (p: ReturnType<typeof aPod>, app: object) => {
      const pod = p.build();
      pod.status!.containerStatuses = [{ ...pod.status!.containerStatuses![0], ready: false, ...app }];
      return pod;
    };
    const looping = withApp(aPod(plain).ready(), {
      restartCount: 2,
      lastState: { terminated: crash },
      state: { waiting: { reason: 'CrashLoopBackOff' } },
    });
    assert.deepEqual(status(plain, [looping]).app!.lastFailure, {
      exitCode: 1,
      reason: 'Error',
      message: 'nginx: [emerg] unknown directive',
      time: '2026-11-25T12:00:00Z',
      pod: looping.metadata!.name,
    });
    // A podTemplate with restartPolicy Never: the app's exit fails the Pod, and that is its failure.
    const ended = withApp(aPod(plain).ready().failed(), { restartCount: 0, state: { terminated: crash } });
    assert.equal(status(plain, [ended]).app!.lastFailure?.exitCode, 1);
    const deleted = withApp(aPod(plain).ready().terminating(), {
      restartCount: 0,
      state: { terminated: { ...crash, exitCode: 137 } },
    });
    assert.equal(status(plain, [deleted]).app!.lastFailure, undefined, 'stopped with its Pod: no failure');
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
    assert.deepEqual(oldTemplate.initSteps![0].lastFailure, failure, 'a success with an older template clears nothing');
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
