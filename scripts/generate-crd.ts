/**
 * npm run generate: writes the CRD made from src/api/ (spec.ts, status.ts, cel-rules.ts) to
 * crds/. The unit tests fail when the checked-in file differs from what this writes, so run it
 * after changing any of them.
 */
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { renderCrdYaml } from '../src/api/crd-yaml';

/** The CRD lives in crds/ and, identical, in the Helm chart's crds/ folder. */
export const crdFiles = [
  path.join(__dirname, '../crds/helpers.dev_appwithhelpers.yaml'),
  path.join(__dirname, '../config/helm/appwithhelpers-operator/crds/helpers.dev_appwithhelpers.yaml'),
];

if (require.main === module) {
  const text = renderCrdYaml();
  for (const file of crdFiles) {
    writeFileSync(file, text);
    console.log(`wrote ${path.relative(process.cwd(), file)} (${Math.round(text.length / 1024)} KiB)`);
  }
}
