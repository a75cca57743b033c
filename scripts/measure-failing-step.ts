/**
 * measure-failing-step: what a person sees of one crash-looping init step (issue 12). Starts a
 * local control plane (realistic stages) and the operator, applies examples/simulated/failing-step.yaml
 * and for --seconds (default 90) samples the Degraded condition every 100 ms. Prints the Degraded
 * reason sequence (repeats collapsed), how many Event objects the AppWithHelpers got and their
 * summed counts.
 *
 *   npx tsx scripts/measure-failing-step.ts [--seconds 90]
 */
import * as path from 'node:path';
import { ControlPlane, sleep } from '../hack/cluster/control-plane';
import { createNamespace } from '../test/integration/kube-helpers';
import { installCrd, startOperator } from '../test/integration/operator-harness';

async function main(): Promise<void> {
  const at = process.argv.indexOf('--seconds');
  const seconds = at > 0 ? Number(process.argv[at + 1]) : 90;
  const cluster = await ControlPlane.start({ stages: 'realistic', nodes: 1 });
  const ns = 'measure';
  try {
    await installCrd(cluster);
    await createNamespace(cluster, ns);
    const op = await startOperator(cluster, ns);
    await cluster.kubectl(['apply', '-n', ns, '-f', path.join(__dirname, '../examples/simulated/failing-step.yaml')]);
    const reasons: string[] = [];
    const end = Date.now() + seconds * 1000;
    while (Date.now() < end) {
      const out = await cluster.kubectl([
        'get',
        'awh',
        '-n',
        ns,
        'failing-step',
        '-o',
        'jsonpath={.status.conditions[?(@.type=="Degraded")].reason}',
      ]);
      const reason = out.trim() || '(none)';
      if (reasons[reasons.length - 1] !== reason) reasons.push(reason);
      await sleep(100);
    }
    const events = JSON.parse(
      await cluster.kubectl([
        'get',
        'events',
        '-n',
        ns,
        '--field-selector',
        'involvedObject.kind=AppWithHelpers,involvedObject.name=failing-step',
        '-o',
        'json',
      ]),
    ) as { items: Array<{ reason: string; type: string; count?: number; message: string }> };
    const restarts = (
      await cluster.kubectl(['get', 'awh', '-n', ns, 'failing-step', '-o', 'jsonpath={.status.restarts}'])
    ).trim();
    console.log(
      JSON.stringify(
        {
          seconds,
          restarts: Number(restarts),
          degradedReasons: reasons,
          degradedTransitions: reasons.length - 1,
          eventObjects: events.items.length,
          eventCountSum: events.items.reduce((n, e) => n + (e.count ?? 1), 0),
          events: events.items.map((e) => `${e.type} ${e.reason} x${e.count ?? 1}: ${e.message}`),
          writes: op.writes.length,
        },
        null,
        2,
      ),
    );
    await op.stop();
  } finally {
    await cluster.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
