/**
 * Mocha root hooks for the real-node suite: a control plane with one KWOK node, the real node
 * beside it, the CRD and the operator (in this process), shared by every test of the run.
 */
import type { ControlPlane } from '../../hack/cluster/control-plane';
import { RealNode } from '../../hack/cluster/node/real-node';
import { hostDiff, snapshotHost } from './host-snapshot';
import { createNamespace } from '../integration/kube-helpers';
import { installCrd, RunningOperator, startOperator } from '../integration/operator-harness';

export const realNamespace = 'real';

interface Harness {
  cluster: ControlPlane;
  node: RealNode;
  operator: RunningOperator;
  /** Seconds the control plane and the real node took to start (the kubelet, containerd, CoreDNS, image import). */
  nodeStartSeconds: number;
}

let harness: Harness | undefined;
let hostBefore: string[] = [];

export function realHarness(): Harness {
  if (!harness) throw new Error('the real node is not running (is test/real-node/hooks.ts in the mocha config?)');
  return harness;
}

export const mochaHooks = {
  async beforeAll(this: Mocha.Context): Promise<void> {
    this.timeout(30 * 60_000); // a cold build of the control plane and the node takes minutes
    const t0 = Date.now();
    hostBefore = snapshotHost();
    // The node's network first, then the control plane (its API server on the bridge), then the node.
    const node = await RealNode.startWithControlPlane({ stages: 'realistic', nodes: 1 });
    const { cluster } = node;
    const nodeStartSeconds = (Date.now() - t0) / 1000;
    await installCrd(cluster);
    await createNamespace(cluster, realNamespace);
    const operator = await startOperator(cluster, realNamespace);
    harness = { cluster, node, operator, nodeStartSeconds };
    console.log(`  control plane and real node ${node.name} in ${nodeStartSeconds.toFixed(1)}s`);
  },
  async afterAll(this: Mocha.Context): Promise<void> {
    this.timeout(120_000);
    if (!harness) return;
    const { cluster, node, operator } = harness;
    const mem = node.memory();
    console.log(
      `  RSS at the end: kubelet ${(mem.kubelet / 1024).toFixed(0)} MB, containerd ${(mem.containerd / 1024).toFixed(0)} MB`,
    );
    await operator.stop();
    await node.stop();
    await cluster.stop();
    harness = undefined;
    const left = hostDiff(hostBefore, snapshotHost());
    if (left.length > 0) throw new Error(`stopping the real node left the host changed:\n  ${left.join('\n  ')}`);
  },
};
