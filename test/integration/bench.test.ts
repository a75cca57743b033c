import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';

describe('npm run bench -- --quick (N=20: that the benchmark works, not its timings)', () => {
  it('runs every figure on its own control plane and writes the table, the JSON and the chart', async function () {
    this.timeout(10 * 60_000);
    const out = mkdtempSync(path.join(os.tmpdir(), 'awh-bench-'));
    try {
      await promisify(execFile)(
        process.execPath,
        ['--require', 'tsx/cjs', path.join(__dirname, '../../scripts/bench/run.ts'), '--quick', '--out', out],
        { maxBuffer: 16 * 2 ** 20 },
      ).catch((err: { stdout?: string; stderr?: string }) => {
        throw new Error(`the benchmark failed:\n${err.stdout}\n${err.stderr}`);
      });
      const r = JSON.parse(readFileSync(path.join(out, 'results.json'), 'utf8'));
      assert.equal(r.p1.length, 1);
      assert.ok(r.p1[0].ratio > 0 && r.p1[0].operatorWritesPerObject > 0 && r.p1[0].replicaSetWritesPerObject > 0);
      assert.ok(r.p2.p99Ms > 0);
      assert.equal(typeof r.p4.writes, 'number');
      assert.ok(r.p5.bytesPerPod > 0);
      assert.ok(r.p6.growth > 0);
      assert.equal(typeof r.p7.writes, 'number');
      assert.match(readFileSync(path.join(out, 'results.md'), 'utf8'), /\| P1 converge, N=20 \|/);
      assert.match(readFileSync(path.join(out, 'ready-over-time.svg'), 'utf8'), /^<svg /);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
