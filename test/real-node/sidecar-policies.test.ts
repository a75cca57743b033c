import { strict as assert } from 'node:assert';
import { eventually, jsonpath } from '../integration/operator-harness';
import { anApp, apply, podsOf, statusOf } from './apps';
import { realHarness, realNamespace as ns } from './hooks';

/**
 * A native sidecar that gets ready 20 s after it starts. Its readinessProbe gives up after one
 * failure a second: a startupProbe copied from it as written would kill the sidecar after about
 * a second, again and again. The one the operator derives never gives up.
 */
const slowProxy = (waitUntilReady: boolean) => ({
  sidecarMode: 'Native',
  sidecars: [
    {
      name: 'proxy',
      image: 'busybox:1.36',
      command: ['sh', '-c', 'sleep 20; touch /tmp/ready; exec sleep 3600'],
      readinessProbe: { exec: { command: ['cat', '/tmp/ready'] }, periodSeconds: 1, failureThreshold: 1 },
      ...(waitUntilReady ? { waitUntilReady: true } : {}),
    },
  ],
});

describe('sidecar policies on a real node', () => {
  it('waitUntilReady: a real kubelet starts the app only once the slow sidecar is ready, without killing it', async () => {
    const { cluster } = realHarness();
    await apply(anApp('waits-for-proxy', slowProxy(true)));
    await apply(anApp('does-not-wait', slowProxy(false)));
    const started = async (app: string) => {
      const [pod] = await podsOf(app);
      const at = async (path: string) => new Date(await jsonpath(cluster, ns, `pod/${pod}`, path)).getTime();
      return {
        proxy: await at('{.status.initContainerStatuses[0].state.running.startedAt}'),
        app: await at('{.status.containerStatuses[0].state.running.startedAt}'),
        restarts: Number(await jsonpath(cluster, ns, `pod/${pod}`, '{.status.initContainerStatuses[0].restartCount}')),
      };
    };
    for (const app of ['waits-for-proxy', 'does-not-wait'])
      await eventually(`${app} to be Running`, async () => (await statusOf(app)).podStatus === 'Running', 150_000);

    const waited = await started('waits-for-proxy');
    const eager = await started('does-not-wait');
    console.log(
      `      app started ${(waited.app - waited.proxy) / 1000} s after the proxy with waitUntilReady, ` +
        `${(eager.app - eager.proxy) / 1000} s without`,
    );
    assert.equal(waited.restarts, 0, 'the slow sidecar was killed by its startupProbe');
    assert.ok(waited.app - waited.proxy >= 19_000, 'the app started before the sidecar was ready');
    assert.ok(
      eager.app - eager.proxy < 19_000,
      'without waitUntilReady the app waited anyway: the test proves nothing',
    );
    const [pod] = await podsOf('waits-for-proxy');
    const probe = JSON.parse(await jsonpath(cluster, ns, `pod/${pod}`, '{.spec.initContainers[0].startupProbe}'));
    assert.deepEqual(probe.exec, { command: ['cat', '/tmp/ready'] });
    assert.equal(probe.failureThreshold, 2147483647);
  });

  it('optional: a crash-looping optional sidecar is reported, the AppWithHelpers never Degraded', async () => {
    await apply(
      anApp('optional-crash', {
        sidecarMode: 'Classic',
        progressDeadlineSeconds: 20,
        sidecars: [
          { name: 'shipper', image: 'busybox:1.36', command: ['sh', '-c', 'sleep 1; exit 2'], optional: true },
        ],
      }),
    );
    await eventually(
      'SidecarsReady OptionalSidecarCrashLooping',
      async () =>
        (await statusOf('optional-crash')).conditions?.find((c) => c.type === 'SidecarsReady')?.reason ===
        'OptionalSidecarCrashLooping',
      120_000,
    );
    await new Promise((r) => setTimeout(r, 30_000)); // past the progress deadline
    const status = await statusOf('optional-crash');
    const cond = (type: string) => status.conditions?.find((c) => c.type === type);
    assert.equal(cond('Degraded')?.status, 'False', JSON.stringify(cond('Degraded')));
    assert.equal(cond('Stalled')?.status, 'False', JSON.stringify(cond('Stalled')));
    assert.equal(status.app?.ready, true, 'the app runs beside it');
    assert.match(cond('SidecarsReady')?.message ?? '', /optional sidecar shipper keeps failing \(exit code 2\)/);
  });
});
