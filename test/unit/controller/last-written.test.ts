import { strict as assert } from 'node:assert';
import { LastWritten } from '../../../src/controller/last-written';
import { anApp } from '../../fixtures';

const written = { phase: 'Running' as const, observedGeneration: 1 };
const cached = (resourceVersion: string, uid = 'uid-1') => {
  const app = anApp().object({ phase: 'Pending' });
  return { ...app, metadata: { ...app.metadata, resourceVersion, uid } };
};

describe('LastWritten', () => {
  it('answers with what was written while the cache shows an older version', () => {
    const lw = new LastWritten();
    lw.remember('ns/shop', cached('1'), '2', written);
    assert.deepEqual(lw.statusOf('ns/shop', cached('1')), written);
  });

  it('hands back to the cache once it shows the write', () => {
    const lw = new LastWritten();
    lw.remember('ns/shop', cached('1'), '2', written);
    lw.observe('ns/shop', cached('2'));
    assert.deepEqual(lw.statusOf('ns/shop', cached('1')), { phase: 'Pending' });
  });

  it('forgets a write to an earlier object of the same name', () => {
    const lw = new LastWritten();
    lw.remember('ns/shop', cached('1'), '2', written);
    assert.deepEqual(lw.statusOf('ns/shop', cached('7', 'uid-2')), { phase: 'Pending' });
  });

  it('trusts a write for 30 s at most: a relist may never show that exact version', () => {
    let now = 0;
    const lw = new LastWritten(() => now);
    lw.remember('ns/shop', cached('1'), '2', written);
    now = 30_001;
    assert.deepEqual(lw.statusOf('ns/shop', cached('3')), { phase: 'Pending' });
  });
});
