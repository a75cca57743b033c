import { strict as assert } from 'node:assert';
import type { V1Pod } from '@kubernetes/client-node';
import { parseSpec } from '../../../../src/api/validation/parse-spec';
import { deriveStatus } from '../../../../src/core/status';
import { anApp, aPod, NOW } from '../../../fixtures';
import { cond, status, summary } from './helpers';

describe('deriveStatus: the phase, the counts and the whole status', () => {
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

  it('writes the conditions in the order every stored status has them', () => {
    assert.deepEqual(
      status(app, [aPod(app).initDone(1).build()]).conditions!.map((c) => c.type),
      ['Initialized', 'SidecarsReady', 'Degraded', 'Progressing', 'Ready', 'Reconciling', 'Stalled'],
    );
  });
});
