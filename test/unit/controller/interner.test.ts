import { strict as assert } from 'node:assert';
import { Interner } from '../../../src/controller/interner';

describe('Interner', () => {
  it('keeps equal values equal and the objects deep-equal to what was parsed', () => {
    const i = new Interner();
    const text = JSON.stringify({
      metadata: { name: 'web-0', uid: 'u-1', labels: { app: 'web' } },
      status: { conditions: [{ type: 'Ready', status: 'True' }], tags: ['a', 'b'] },
    });
    const a = i.intern(JSON.parse(text));
    assert.deepEqual(a, JSON.parse(text));
    // Shared values: labels, condition types and statuses, list items. Not the object's own name or uid.
    assert.equal(i.size, 5);
  });

  it('starts its table again when it is full, and still returns every value', () => {
    const i = new Interner(3);
    const values = ['a', 'b', 'c', 'd', 'e'].map((v) => i.intern({ v }).v);
    assert.deepEqual(values, ['a', 'b', 'c', 'd', 'e']);
    assert.ok(i.size <= 3);
  });

  it('leaves long strings (messages, logs) alone', () => {
    const i = new Interner();
    i.intern({ message: 'x'.repeat(200) });
    assert.equal(i.size, 0);
  });
});
