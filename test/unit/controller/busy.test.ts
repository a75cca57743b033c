import { strict as assert } from 'node:assert';
import { isBusy } from '../../../src/controller/busy';

describe('isBusy: when in-between statuses wait longer', () => {
  const rows: Array<[string, boolean, number, number, boolean]> = [
    ['nothing waiting', false, 0, 4, false],
    ['six apps changing together on 4 workers', false, 6, 4, false],
    ['six apps changing together on 1 worker', false, 6, 1, false],
    ['16 waiting on 1 worker', false, 16, 1, false],
    ['a burst: 17 waiting on 1 worker', false, 17, 1, true],
    ['32 waiting on 8 workers', false, 32, 8, false],
    ['a burst: 33 waiting on 8 workers', false, 33, 8, true],
    ['16 waiting on 4 workers (4 rounds)', false, 16, 4, false],
    ['a burst: 17 waiting on 4 workers', false, 17, 4, true],
    ['a burst of 500 objects', false, 500, 4, true],
    ['the rate limit spent, nothing waiting', true, 0, 4, true],
  ];
  for (const [name, rateLimited, waiting, workers, want] of rows)
    it(`${name}: ${want ? 'busy' : 'not busy'}`, () => assert.equal(isBusy(rateLimited, waiting, workers), want));
});
