import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';

describe('npm run bench -- --quick (N=20 at both rate limits: that the benchmark works, not its timings)', () => {
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
      assert.equal(r.p1.length, 2, 'N=20 at both rate limits');
      for (const p of r.p1)
        for (const c of [p.operator, p.replicaSet]) {
          assert.ok(c.seconds > 0 && c.podsSeconds > 0 && c.writesPerObject > 0, JSON.stringify(c));
          assert.ok(c.boundShare > 0 && c.cpuSeconds >= 0, JSON.stringify(c));
        }
      assert.ok(r.p2.p99Ms > 0);
      assert.equal(typeof r.p4.writes, 'number');
      assert.ok(r.p5.marginalBytesPerPod > 0 && r.p5.rssBytes > 0);
      assert.ok(r.p6.growth > 0 && r.p6.large.rssBytes > 0);
      assert.equal(typeof r.p7.writes, 'number');
      const md = readFileSync(path.join(out, 'results.md'), 'utf8');
      for (const row of [
        'P1 converge, N=20, QPS 20/30',
        'P1 converge, N=20, QPS 100/150',
        'P2 status lag',
        'P5 memory',
      ])
        assert.ok(md.includes(`| ${row}`), row);
      assert.match(md, /\| P8 CPU per 1,000 objects, N=20, QPS 20 \|/);
      assert.match(readFileSync(path.join(out, 'ready-over-time.svg'), 'utf8'), /^<svg /);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
