import { strict as assert } from 'node:assert';
import { HelperMetrics } from '../../../src/obs/helper-metrics';
import { Metrics } from '../../../src/obs/metrics';
import { anApp, aPod } from '../../fixtures';

describe('HelperMetrics: sidecar restarts', () => {
  /** A ready Pod of `app` whose sidecars restarted as given. */
  const podWith = (app: ReturnType<typeof anApp>, restarts: Record<string, number>) => {
    const pod = aPod(app).ready().build();
    for (const s of pod.status!.initContainerStatuses ?? []) s.restartCount = restarts[s.name] ?? 0;
    return pod;
  };
  const series = async (m: Metrics) =>
    (await m.registry.getMetricsAsJSON())
      .filter((x) => /sidecar_restarts/.test(x.name))
      .flatMap((x) => (x.values as Array<{ value: number }>).map((v) => `${x.name} ${v.value}`));

  it('counts optional sidecars apart as well, and only for apps that have some', async () => {
    const metrics = new Metrics();
    const helpers = new HelperMetrics(metrics);
    const mixed = anApp().withSidecar('log', { optional: true }).withSidecar('proxy');
    const pod = podWith(mixed, { log: 5, proxy: 1 });
    helpers.observe(pod, false, 'shop', [pod], true);
    assert.deepEqual(await series(metrics), [
      'appwithhelpers_sidecar_restarts 6',
      'appwithhelpers_optional_sidecar_restarts 5',
    ]);
    metrics.forgetApp('ns', 'shop');
    const plain = anApp().withSidecar('proxy');
    const other = podWith(plain, { proxy: 2 });
    helpers.observe(other, false, 'shop', [other], true);
    assert.deepEqual(await series(metrics), ['appwithhelpers_sidecar_restarts 2']);
  });

  it('drops the optional series once no Pod has optional sidecars (optional taken out and the Pods rolled)', async () => {
    const metrics = new Metrics();
    const helpers = new HelperMetrics(metrics);
    const before = podWith(anApp().withSidecar('log', { optional: true }), { log: 5 });
    helpers.observe(before, false, 'shop', [before], true);
    const after = podWith(anApp().withSidecar('log'), { log: 1 });
    helpers.observe(after, false, 'shop', [before, after], true);
    assert.deepEqual(
      await series(metrics),
      ['appwithhelpers_sidecar_restarts 6', 'appwithhelpers_optional_sidecar_restarts 5'],
      'each Pod counts its own optional sidecars during the rollout',
    );
    helpers.observe(before, true, 'shop', [after], true);
    assert.deepEqual(await series(metrics), ['appwithhelpers_sidecar_restarts 1']);
  });
});
