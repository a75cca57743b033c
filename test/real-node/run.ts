/**
 * npm test's last step: the real-node suite, when this machine can host a kubelet node. When it
 * cannot (not root, no cgroups), one line says why and what it needs; under CI (CI=true) that
 * is a failure, since CI is where the suite must run.
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { whyCannotHostNode } from '../../hack/cluster/node/host-check';

const why = whyCannotHostNode();
if (why) {
  const line = `real-node suite did not run: ${why}.`;
  if (process.env.CI === 'true') {
    console.error(`${line} CI must run it: give the job root and cgroups.`);
    process.exit(1);
  }
  console.log(line);
  process.exit(0);
}
const mocha = path.join(__dirname, '../../node_modules/.bin/mocha');
const result = spawnSync(
  mocha,
  ['--config', path.join(__dirname, '../.mocharc.real-node.json'), ...process.argv.slice(2)],
  {
    stdio: 'inherit',
  },
);
process.exit(result.status ?? 1);
