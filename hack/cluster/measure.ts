/**
 * npm run cluster:measure: starts a control plane (building it if needed), and reports the warm
 * start time (process start to Nodes Ready) and each process's resident memory, then stops it.
 */
import { readFileSync } from 'node:fs';
import { ControlPlane, sleep } from './control-plane';

function rssMiB(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmRSS:'));
  return Math.round(parseInt(line?.split(/\s+/)[1] ?? '0', 10) / 1024);
}

async function main(): Promise<void> {
  const t0 = Date.now();
  const cluster = await ControlPlane.start({ stages: 'fast', nodes: 3 });
  const startSeconds = (Date.now() - t0) / 1000;
  await sleep(10_000); // let the informers and caches settle
  const rows = cluster.processes().map((p) => ({ name: p.name, rss: rssMiB(p.pid!) }));
  await cluster.stop();
  console.log(`warm start (process start to Nodes Ready): ${startSeconds.toFixed(1)}s`);
  for (const r of rows) console.log(`  ${r.name.padEnd(24)} ${String(r.rss).padStart(5)} MiB`);
  console.log(
    `  ${'control plane, in all'.padEnd(24)} ${String(rows.reduce((n, r) => n + r.rss, 0)).padStart(5)} MiB resident, 10 s after start`,
  );
}

main().catch((err) => {
  console.error(`cluster:measure: ${(err as Error).message}`);
  process.exit(1);
});
