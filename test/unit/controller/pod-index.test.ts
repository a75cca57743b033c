import { strict as assert } from 'node:assert';
import type { V1Pod } from '@kubernetes/client-node';
import { Expectations } from '../../../src/controller/expectations';
import { PodIndex } from '../../../src/controller/pod-index';
import { anApp, aPod } from '../../fixtures';

const app = anApp();
const pod = (name = 'shop-abc-0'): V1Pod => {
  const p = aPod(app).build();
  p.metadata!.name = name;
  return p;
};
const orphaned = (p: V1Pod): V1Pod => ({ ...p, metadata: { ...p.metadata, ownerReferences: [] } });

describe('PodIndex: a Pod event becomes the keys to reconcile', () => {
  const cases: Array<[string, (idx: PodIndex) => string[], string[], number]> = [
    ['a new Pod of an app', (idx) => idx.onPod(pod(), false), ['ns/shop'], 1],
    ['a change to a known Pod', (idx) => (idx.onPod(pod(), false), idx.onPod(pod(), false)), ['ns/shop'], 1],
    ['a deleted Pod', (idx) => (idx.onPod(pod(), false), idx.onPod(pod(), true)), ['ns/shop'], 0],
    [
      'a Pod orphaned (--cascade=orphan): its old app hears of it',
      (idx) => (idx.onPod(pod(), false), idx.onPod(orphaned(pod()), false)),
      ['ns/shop'],
      0,
    ],
    ['a Pod that never had an owner', (idx) => idx.onPod(orphaned(pod()), false), [], 0],
  ];
  for (const [what, act, keys, cached] of cases) {
    it(what, () => {
      const idx = new PodIndex(new Expectations());
      assert.deepEqual(act(idx), keys);
      assert.equal(idx.podsOf('ns/shop').length, cached);
    });
  }

  it('moves a Pod to its new controller and tells the old one first', () => {
    const idx = new PodIndex(new Expectations());
    idx.onPod(pod(), false);
    const taken = pod();
    taken.metadata!.ownerReferences = [{ ...taken.metadata!.ownerReferences![0], name: 'other', uid: 'uid-2' }];
    assert.deepEqual(idx.onPod(taken, false), ['ns/shop', 'ns/other']);
    assert.equal(idx.podsOf('ns/shop').length, 0);
    assert.equal(idx.podsOf('ns/other').length, 1);
  });

  it('meets the expectations: a create when the Pod shows, a delete once it is terminating or gone', () => {
    const expectations = new Expectations();
    const idx = new PodIndex(expectations);
    expectations.expect('ns/shop', ['a-0'], ['b-0']);
    idx.onPod(pod('a-0'), false);
    assert.ok(!expectations.satisfied('ns/shop'));
    const terminating = pod('b-0');
    terminating.metadata!.deletionTimestamp = new Date();
    idx.onPod(terminating, false);
    assert.ok(expectations.satisfied('ns/shop'));
  });
});
