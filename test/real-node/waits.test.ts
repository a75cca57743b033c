import { strict as assert } from 'node:assert';
import { realNodePlacement } from '../../hack/cluster/node/placement';
import { eventually, jsonpath } from '../integration/operator-harness';
import { anApp, apply, podsOf, statusOf } from './apps';
import { realHarness, realNamespace as ns } from './hooks';

/** A headless Service `db` and, `delaySeconds` later, the nginx Pod behind it. */
function dbService(delaySeconds: number): string {
  return [
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'db', namespace: ns },
      spec: { clusterIP: 'None', selector: { role: 'db' }, ports: [{ port: 80 }] },
    },
    {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'db', namespace: ns, labels: { role: 'db' } },
      spec: {
        ...realNodePlacement,
        terminationGracePeriodSeconds: 1,
        initContainers: [{ name: 'slow-start', image: 'busybox:1.36', command: ['sleep', String(delaySeconds)] }],
        containers: [{ name: 'nginx', image: 'nginx:1.25.3', ports: [{ containerPort: 80 }] }],
      },
    },
  ]
    .map((o) => JSON.stringify(o))
    .join('\n---\n');
}

describe('waitFor steps on a real node (busybox 1.35 from Debian)', () => {
  it('tcp and http waits hold the app until a Service whose Pod starts 15 s later answers', async () => {
    const { cluster } = realHarness();
    const waiting = (name: string, waitFor: object) =>
      anApp(name, {
        initSteps: [{ name: 'wait-for-db', waitFor: { ...waitFor, timeoutSeconds: 120, periodSeconds: 2 } }],
      });
    await apply(dbService(15));
    await apply(waiting('waits-tcp', { tcp: { host: 'db', port: 80 } }));
    await apply(waiting('waits-http', { http: { url: 'http://db/' } }));

    for (const app of ['waits-tcp', 'waits-http']) {
      await eventually(`${app} to be Running`, async () => (await statusOf(app)).podStatus === 'Running', 120_000);
      const [pod] = await podsOf(app);
      const stepFinished = await jsonpath(
        cluster,
        ns,
        `pod/${pod}`,
        '{.status.initContainerStatuses[0].state.terminated.finishedAt}',
      );
      const appStarted = await jsonpath(
        cluster,
        ns,
        `pod/${pod}`,
        '{.status.containerStatuses[0].state.running.startedAt}',
      );
      const dbStarted = await jsonpath(cluster, ns, 'pod/db', '{.status.containerStatuses[0].state.running.startedAt}');
      assert.ok(
        new Date(stepFinished) >= new Date(dbStarted),
        `${app}: the wait ended at ${stepFinished}, before db started at ${dbStarted}`,
      );
      assert.ok(
        new Date(appStarted) >= new Date(stepFinished),
        `${app}: the app started at ${appStarted}, before the wait ended`,
      );
      const logs = await cluster.kubectl(['logs', '-n', ns, pod, '-c', 'wait-for-db']);
      assert.match(logs, /not answering yet/, `${app} did not have to wait:\n${logs}`);
      assert.match(logs, /answered after \d+ tries/, logs);
    }
  });

  it("a wait that times out shows 'gave up: …' in the status", async () => {
    await apply(
      anApp('waits-in-vain', {
        initSteps: [
          {
            name: 'wait-for-nothing',
            waitFor: { tcp: { host: 'nothing-here', port: 5432 }, timeoutSeconds: 6, periodSeconds: 2 },
          },
        ],
      }),
    );
    await eventually(
      "the status to say 'gave up'",
      async () =>
        /gave up: nothing-here:5432 did not answer within 6s/.test(
          (await statusOf('waits-in-vain')).initSteps?.[0]?.message ?? '',
        ),
      120_000,
    );
    const status = await statusOf('waits-in-vain');
    // The app never starts. (The step itself may be running again: a kubelet restarts a first failure at once.)
    assert.match(status.podStatus ?? '', /^Init:/);
  });
});
