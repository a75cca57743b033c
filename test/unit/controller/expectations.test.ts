import { strict as assert } from 'node:assert';
import { Expectations } from '../../../src/controller/expectations';

describe('Expectations', () => {
  it('are satisfied when there are none', () => {
    assert.ok(new Expectations().satisfied('ns/a'));
  });

  it('wait for every expected create and delete to be observed', () => {
    const e = new Expectations();
    e.expect('ns/a', ['p-0', 'p-1'], ['old-0']);
    e.observeAdd('ns/a', 'p-0');
    e.observeDelete('ns/a', 'old-0');
    assert.ok(!e.satisfied('ns/a'));
    e.observeAdd('ns/a', 'p-1');
    assert.ok(e.satisfied('ns/a'));
  });

  it('keep keys apart', () => {
    const e = new Expectations();
    e.expect('ns/a', ['p-0'], []);
    assert.ok(e.satisfied('ns/b'));
    e.observeAdd('ns/b', 'p-0');
    assert.ok(!e.satisfied('ns/a'));
  });

  it('time out, so a lost event cannot stall an app forever', () => {
    let now = 0;
    const e = new Expectations(1000, () => now);
    e.expect('ns/a', ['p-0'], []);
    now = 999;
    assert.ok(!e.satisfied('ns/a'));
    assert.equal(e.msUntilExpired('ns/a'), 51, 'a look just after they time out');
    now = 1001;
    assert.ok(e.satisfied('ns/a'));
    assert.equal(e.msUntilExpired('ns/a'), undefined);
  });

  it('expecting nothing records nothing; forget drops what was expected', () => {
    const e = new Expectations();
    e.expect('ns/a', [], []);
    assert.ok(e.satisfied('ns/a'));
    e.expect('ns/a', ['p-0'], []);
    e.forget('ns/a');
    assert.ok(e.satisfied('ns/a'));
  });
});
