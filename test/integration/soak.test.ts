import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';

describe('npm run soak (short: 1.5 min, a checkpoint every 20 s)', () => {
  it('churns AppWithHelpers and Pods; the heap after GC stays within 10%, no error is logged, all converge', async function () {
    this.timeout(6 * 60_000);
    const run = promisify(execFile)(
      process.execPath,
      [
        '--require',
        'tsx/cjs',
        path.join(__dirname, '../../scripts/soak.ts'),
        '--minutes',
        '1.5',
        '--checkpoint-seconds',
        '20',
      ],
      { maxBuffer: 16 * 2 ** 20 },
    );
    const { stdout } = await run.catch((err: { stdout?: string; stderr?: string }) => {
      throw new Error(`the soak failed:\n${err.stdout}\n${err.stderr}`);
    });
    const summary = stdout.split('\n').find((l) => / soak: \d+ changes/.test(l));
    assert.ok(summary, stdout);
    console.log(`      ${summary.replace(/^\[\s*\d+s\] /, '')}`);
    assert.match(summary, / 0 error logs, .* operator running; all converged$/);
    assert.match(stdout, /soak: passed/);
  });
});
