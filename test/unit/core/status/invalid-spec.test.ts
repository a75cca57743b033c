import { strict as assert } from 'node:assert';
import { parseSpec } from '../../../../src/api/validation/parse-spec';
import type { AppStatus } from '../../../../src/api/status';
import { deriveStatus } from '../../../../src/core/status';
import { anApp, aPod, NOW } from '../../../fixtures';
import { cond } from './helpers';

describe('an invalid spec', () => {
  const app = anApp()
    .withStep('config-initializer')
    .withWait('wait-for-db', { tcp: { host: 'db', port: 5432 } })
    .withSidecar('monitor');
  const conditions = (s: AppStatus) =>
    ['Ready', 'Progressing', 'Reconciling', 'Stalled']
      .map((t) => `${t}=${cond(s, t).status}/${cond(s, t).reason}`)
      .join(' ');

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

  it('stalls an invalid spec at once (kstatus Failed)', () => {
    const s = deriveStatus({ generation: 3, parsed: parseSpec({ app: { name: 'web' } }), pods: [], now: NOW });
    assert.equal(conditions(s).split(' ').slice(2).join(' '), 'Reconciling=False/InvalidSpec Stalled=True/InvalidSpec');
  });

  it('writes its conditions in the order every stored status has them', () => {
    const s = deriveStatus({ generation: 3, parsed: parseSpec({ app: { name: 'web' } }), pods: [], now: NOW });
    assert.deepEqual(
      s.conditions!.map((c) => c.type),
      ['Degraded', 'Ready', 'Progressing', 'Reconciling', 'Stalled'],
    );
  });
});
