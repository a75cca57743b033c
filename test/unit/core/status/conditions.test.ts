import { strict as assert } from 'node:assert';
import type { Condition } from '../../../../src/api/status';
import { setCondition } from '../../../../src/core/status/conditions';
import { anApp, aPod } from '../../../fixtures';
import { cond, status } from './helpers';

describe('setCondition', () => {
  const app = anApp()
    .withStep('config-initializer')
    .withWait('wait-for-db', { tcp: { host: 'db', port: 5432 } })
    .withSidecar('monitor');

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

  const at = { now: new Date('2026-11-25T12:05:00Z'), generation: 4 };
  const ready = (status: Condition['status'], reason: string): Condition => ({
    type: 'Ready',
    status,
    reason,
    message: reason,
    lastTransitionTime: '2026-11-25T12:00:00Z',
    observedGeneration: 3,
  });

  it('appends a condition of a new type, stamped with the time and generation of this pass', () => {
    const conditions: Condition[] = [ready('True', 'PodsReady')];
    setCondition(conditions, 'Stalled', { status: 'False', reason: 'AsExpected', message: 'fine' }, at);
    assert.deepEqual(conditions[1], {
      type: 'Stalled',
      status: 'False',
      reason: 'AsExpected',
      message: 'fine',
      lastTransitionTime: '2026-11-25T12:05:00Z',
      observedGeneration: 4,
    });
  });

  it('replaces one of the same type where it stands, so the order stays', () => {
    const conditions: Condition[] = [ready('True', 'PodsReady'), { ...ready('False', 'AsExpected'), type: 'Stalled' }];
    setCondition(conditions, 'Ready', { status: 'False', reason: 'PodsNotReady', message: '0/1 Pods are ready' }, at);
    assert.deepEqual(
      conditions.map((c) => `${c.type}=${c.status}/${c.reason}`),
      ['Ready=False/PodsNotReady', 'Stalled=False/AsExpected'],
    );
  });

  it('keeps the lastTransitionTime written before while the status stays, whatever the reason says', () => {
    const previous = { conditions: [ready('False', 'PodsPending')] };
    const conditions: Condition[] = [];
    setCondition(
      conditions,
      'Ready',
      { status: 'False', reason: 'PodsNotReady', message: 'starting' },
      { ...at, previous },
    );
    assert.equal(conditions[0].lastTransitionTime, '2026-11-25T12:00:00Z');
    setCondition(conditions, 'Ready', { status: 'True', reason: 'PodsReady', message: 'ready' }, { ...at, previous });
    assert.equal(conditions[0].lastTransitionTime, '2026-11-25T12:05:00Z');
  });
});
