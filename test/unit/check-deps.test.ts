import { strict as assert } from 'node:assert';
import { findVulnerable, inRange } from '../../scripts/check-deps';

describe('check:deps', () => {
  const ranges: Array<[string, string, boolean]> = [
    ['2.3.3', '<2.5.4', true],
    ['2.5.4', '<2.5.4', false],
    ['3.0.1', '>=3.0.0 <3.0.4', true],
    ['4.0.6', '>=4.0.0 <4.0.4', false],
    ['1.0.0', '*', true],
  ];
  for (const [v, r, want] of ranges)
    it(`${v} ${want ? 'is' : 'is not'} in ${r}`, () => assert.equal(inRange(v, r), want));

  it('finds a vulnerable version and checks aliased packages under their real name', () => {
    const advisories = [
      { package: 'request', ranges: ['*'], advisory: 'CVE-2023-28155', fix: 'x' },
      { package: 'form-data', ranges: ['<2.5.4'], advisory: 'CVE-2025-7783', fix: '2.5.4' },
    ];
    const lock = {
      packages: {
        '': {},
        'node_modules/request': { name: '@cypress/request', version: '3.0.10' },
        'node_modules/x/node_modules/form-data': { version: '2.3.3' },
      },
    };
    assert.deepEqual(findVulnerable(lock, advisories), [
      'form-data@2.3.3 at node_modules/x/node_modules/form-data: CVE-2025-7783; fix: 2.5.4',
    ]);
  });
});
