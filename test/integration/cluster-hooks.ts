/**
 * Mocha root hooks for the integration suites: one control plane per test run, shared by every
 * suite, torn down at the end. Suites reach it through testCluster().
 */
import { ControlPlane } from '../../hack/cluster/control-plane';

let cluster: ControlPlane | undefined;

export function testCluster(): ControlPlane {
  if (!cluster)
    throw new Error(
      'the test control plane is not running (is test/integration/cluster-hooks.ts in the mocha config?)',
    );
  return cluster;
}

export const mochaHooks = {
  async beforeAll(this: Mocha.Context): Promise<void> {
    this.timeout(30 * 60_000); // a cold build of the control plane takes minutes
    const t0 = Date.now();
    cluster = await ControlPlane.start({ stages: 'realistic', nodes: 3 });
    console.log(`  control plane ready in ${((Date.now() - t0) / 1000).toFixed(1)}s at ${cluster.server}`);
  },
  async afterAll(this: Mocha.Context): Promise<void> {
    this.timeout(60_000);
    await cluster?.stop();
    cluster = undefined;
  },
};
