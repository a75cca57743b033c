import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { onRealNode } from '../../hack/cluster/node/placement';
import { eventually, jsonpath } from '../integration/operator-harness';
import { realHarness, realNamespace as ns } from './hooks';
import { PodLife, PodLook } from './pod-watch';

const examples = path.join(__dirname, '../../examples');
const allReady = (l: PodLook) => l.status === 'Running' && /^(\d+)\/\1$/.test(l.ready);

/** What each example's Pod went through on the real node; the closing summary prints it. */
export const exampleLives = new Map<string, PodLife>();

async function podOf(app: string): Promise<string> {
  return (
    await jsonpath(
      realHarness().cluster,
      ns,
      'pods',
      `{.items[?(@.metadata.labels.helpers\\.dev/app=="${app}")].metadata.name}`,
    )
  ).trim();
}

describe('the three examples on a real node', () => {
  after(() => {
    for (const [app, life] of exampleLives)
      console.log(`    ${app}: Running, all ready in ${life.seconds.toFixed(1)}s: ${life.statuses.join(' → ')}`);
  });

  const cases: Array<[file: string, app: string]> = [
    ['init-step.yaml', 'myapp-with-init'],
    ['sidecar.yaml', 'myapp-with-sidecar'],
    ['combined.yaml', 'myapp-combined'],
  ];
  for (const [file, app] of cases) {
    it(`${file} reaches Running with real containers, the AppWithHelpers showing what the server prints`, async () => {
      const { cluster, node } = realHarness();
      const life = new PodLife(cluster, ns, app);
      exampleLives.set(app, life);
      await cluster.kubectl(
        ['apply', '-n', ns, '-f', '-'],
        onRealNode(readFileSync(path.join(examples, file), 'utf8')),
      );
      const { pod } = await life.until(allReady, 180_000).finally(() => life.stop());
      assert.equal(pod.spec?.nodeName, node.name);
      for (const c of [...(pod.status?.containerStatuses ?? []), ...(pod.status?.initContainerStatuses ?? [])])
        assert.match(c.containerID ?? '', /^containerd:\/\//, `${c.name} did not run in containerd`);
      await life.assertAwhShowedServerRows();
      // Once settled, the AppWithHelpers' row for the Pod is exactly the server's.
      await eventually(
        `${app} to show its Pod as the server prints it`,
        async () => {
          const [entry] = JSON.parse(await jsonpath(cluster, ns, `awh/${app}`, '{.status.pods}')) as Array<{
            status: string;
            ready: string;
            restarts: number;
          }>;
          const last = life.last!;
          return `${entry.status} ${entry.ready} ${entry.restarts}` === `${last.status} ${last.ready} ${last.restarts}`;
        },
        30_000,
      );
    });
  }

  it("the sidecar example's log sidecar prints the line nginx's postStart hook wrote", async () => {
    const { cluster } = realHarness();
    const pod = await podOf('myapp-with-sidecar');
    await eventually(
      'the log sidecar to print the postStart line',
      async () => (await cluster.kubectl(['logs', '-n', ns, pod, '-c', 'log-sidecar'])).includes('Hello from Nginx!'),
      60_000,
    );
  });

  it("the combined example's nginx serves the configuration its init step wrote", async () => {
    const { cluster } = realHarness();
    const pod = await podOf('myapp-combined');
    const ip = (await jsonpath(cluster, ns, `pod/${pod}`, '{.status.podIP}')).trim();
    const res = await fetch(`http://${ip}/`);
    assert.equal(res.status, 200);
    assert.equal(await res.text(), 'Hello from config-initializer!\n');
    const logs = await cluster.kubectl(['logs', '-n', ns, pod, '-c', 'config-initializer']);
    assert.match(logs, /Config created\./);
  });
});
