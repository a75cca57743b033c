import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

/**
 * The tests run on the Node.js major the image runs on: npm ci installs the pinned binary
 * (package.json optionalDependencies, node-linux-<arch>) and npm's scripts put it first on PATH.
 */
describe('the Node.js runtime', () => {
  const root = path.join(__dirname, '../..');
  const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
  const pinned: string = pkg.optionalDependencies[`node-linux-${process.arch}`];

  it('is the pinned version, not whatever node the machine has', () => {
    assert.equal(process.version, `v${pinned}`, `run the tests with npm test (npm ci installs Node.js ${pinned})`);
  });

  it('is the major the Dockerfile builds on', () => {
    const dockerfile = readFileSync(path.join(root, 'Dockerfile'), 'utf8');
    const bases = [...dockerfile.matchAll(/^FROM node:(\d+)-/gm)].map((m) => m[1]);
    assert.ok(bases.length > 0);
    for (const major of bases) assert.equal(major, pinned.split('.')[0]);
  });
});
