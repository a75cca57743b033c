import { strict as assert } from 'node:assert';
import type { AppStatus } from '../../../src/api/status';
import { deadlineExceeded, madeProgress, msUntilDeadline } from '../../../src/core/progress';
import { NOW } from '../../fixtures';

const before: AppStatus = {
  observedGeneration: 2,
  replicas: 3,
  updatedReplicas: 2,
  readyReplicas: 2,
  initProgress: '1/3',
  sidecarsReady: '0/1',
  lastProgressTime: NOW.toISOString(),
};

describe('madeProgress (what a Deployment counts as progress, from the counts in the status)', () => {
  const table: Array<[string, Partial<AppStatus>, boolean]> = [
    ['nothing moved (a step restarting again)', {}, false],
    ['one more Pod with the current template', { updatedReplicas: 3 }, true],
    ['one more Pod ready', { readyReplicas: 3 }, true],
    ['an old Pod gone', { replicas: 2 }, true],
    ['the least advanced Pod finished a step', { initProgress: '2/3' }, true],
    ['its sidecar got ready', { sidecarsReady: '1/1' }, true],
    ['a new spec', { observedGeneration: 3 }, true],
    ['a Pod less ready (going back is no progress)', { readyReplicas: 1 }, false],
    ['a new old Pod (more Pods, none current)', { replicas: 4 }, false],
  ];
  for (const [name, change, want] of table)
    it(name, () => {
      assert.equal(madeProgress(before, { ...before, lastProgressTime: undefined, ...change }), want);
    });

  it('counts the first status as progress', () => {
    assert.equal(madeProgress(undefined, before), true);
    assert.equal(madeProgress({ observedGeneration: 0 }, before), true);
  });
});

describe('the progress deadline', () => {
  const progressing: AppStatus = {
    ...before,
    conditions: [{ type: 'Progressing', status: 'True', reason: 'RollingUpdate', message: '', lastTransitionTime: '' }],
  };
  const at = (s: number) => new Date(NOW.getTime() + s * 1000);

  it('is exceeded after deadlineSeconds without progress, not before', () => {
    assert.equal(deadlineExceeded(before.lastProgressTime!, 600, at(599)), false);
    assert.equal(deadlineExceeded(before.lastProgressTime!, 600, at(600)), true);
  });

  it('brings a progressing rollout back just after its deadline, and nothing else', () => {
    assert.equal(msUntilDeadline(progressing, 600, at(100)), 500_050);
    // Still Progressing past its deadline: one the deadline never stalls, nothing to look at later.
    assert.equal(msUntilDeadline(progressing, 600, at(700)), undefined);
    const done = { ...progressing, conditions: [{ ...progressing.conditions![0], status: 'False' as const }] };
    assert.equal(msUntilDeadline(done, 600, at(100)), undefined);
  });
});
