import { parse } from 'yaml';
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { renderCrdYaml } from '../../../src/api/crd-yaml';
import { crdFiles } from '../../../scripts/generate-crd';

describe('the CRD in crds/', () => {
  for (const file of crdFiles) {
    it(`${path.relative(path.join(__dirname, '../../..'), file)} is what \`npm run generate\` makes from the schema (run it after changing src/api/)`, () => {
      assert.equal(readFileSync(file, 'utf8'), renderCrdYaml());
    });
  }

  it('stays small enough for client-side kubectl apply (256 KiB annotation)', () => {
    const size = JSON.stringify(parse(renderCrdYaml())).length;
    assert.ok(size < 200 * 1024, `CRD is ${size} bytes as JSON`);
  });
});
