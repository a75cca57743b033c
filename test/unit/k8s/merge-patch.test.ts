import { strict as assert } from 'node:assert';
import { mergePatchDiff } from '../../../src/k8s/client';

describe('mergePatchDiff', () => {
  const cases: Array<[string, unknown, unknown, unknown]> = [
    ['nothing changed', { a: 1, b: { c: 2 } }, { a: 1, b: { c: 2 } }, {}],
    ['a value changed', { a: 1 }, { a: 2 }, { a: 2 }],
    ['a key went away: null removes it', { a: 1, b: 2 }, { a: 1 }, { b: null }],
    [
      'a nested key went away',
      { app: { reason: 'x', state: 'Waiting' } },
      { app: { state: 'Running' } },
      { app: { reason: null, state: 'Running' } },
    ],
    ['lists go whole', { l: [1, 2, 3] }, { l: [1, 2] }, { l: [1, 2] }],
  ];
  for (const [name, from, to, want] of cases) it(name, () => assert.deepEqual(mergePatchDiff(from, to), want));
});
