import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { parseSpec } from '../../../src/api/validation/parse-spec';
import { options } from '../../fixtures';
import { fuzzParams, mutatedSpec, specWithMistake, validSpec } from '../../arbitraries';
import { checkChain } from './chain';

const SPEC_FIELDS = [
  'replicas',
  'app',
  'initSteps',
  'sidecars',
  'sidecarMode',
  'volumes',
  'sharedVolumes',
  'helperDefaults',
  'podTemplate',
  'updateStrategy',
];

/** An error is "spec.<field path>: <what is wrong>", the path starting at a field of the spec. */
function assertNamesAField(error: unknown): void {
  assert.equal(typeof error, 'string');
  const m = /^spec(?:([.[])([A-Za-z]+)?[^:]*)?: (.*)$/s.exec(error as string);
  assert.ok(m, `not "spec.field.path: what is wrong": ${error}`);
  if (m[1] !== undefined) assert.ok(m[1] === '.' && SPEC_FIELDS.includes(m[2]), `names no field of the spec: ${error}`);
  assert.match(m[3], /\w{2,}/, `says nothing of what is wrong: ${error}`);
}

describe('fuzz: spec validation', () => {
  it('parseSpec never throws; it accepts and the whole chain runs, or it refuses, naming each field and what is wrong', function () {
    this.timeout(180_000); // the whole chain per spec; generous for a busy 2-core machine
    let accepted = 0;
    fc.assert(
      fc.property(mutatedSpec, (raw) => {
        const parsed = parseSpec(raw);
        if (parsed.ok) {
          accepted++;
          checkChain('shop', parsed.spec, options);
          return;
        }
        assert.ok(parsed.errors.length > 0, 'a refusal says why');
        parsed.errors.forEach(assertNamesAField);
      }),
      fuzzParams(10_000),
    );
    assert.ok(accepted > 1000, `only ${accepted} mutated specs were accepted: the chain was hardly exercised`);
  });

  it('accepts every valid spec, with defaults filled in that a second parse keeps', function () {
    this.timeout(30_000);
    fc.assert(
      fc.property(validSpec, (raw) => {
        const parsed = parseSpec(raw);
        assert.ok(parsed.ok, parsed.ok ? '' : parsed.errors.join('; '));
        assert.deepEqual(parseSpec(parsed.spec), parsed);
      }),
      fuzzParams(1_000),
    );
  });

  it('refuses each plausible mistake, naming the field', function () {
    this.timeout(30_000);
    fc.assert(
      fc.property(specWithMistake, ({ mistake, spec, expect }) => {
        const parsed = parseSpec(spec);
        assert.ok(!parsed.ok, `${mistake}: accepted`);
        assert.ok(
          parsed.errors.some((e) => expect.test(e)),
          `${mistake}: no error matches ${expect}; got: ${parsed.errors.join(' | ')}`,
        );
        parsed.errors.forEach(assertNamesAField);
      }),
      fuzzParams(2_000),
    );
  });
});
