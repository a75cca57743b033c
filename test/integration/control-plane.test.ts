import { strict as assert } from 'node:assert';
import { existsSync } from 'node:fs';
import { ControlPlane } from '../../hack/cluster/control-plane';
import { testCluster } from './cluster-hooks';
import { createNamespace, podYaml, watchPodColumns } from './kube-helpers';

describe('the test control plane', () => {
  describe('with the fast stages, as a second cluster beside the shared one', () => {
    let fast: ControlPlane;
    before(async function () {
      this.timeout(120_000);
      fast = await ControlPlane.start({ stages: 'fast', nodes: 2 });
    });
    after(async () => {
      if (fast) await fast.stop();
    });

    it('runs a Pod with an init container and a native sidecar', async () => {
      await createNamespace(fast, 'fast');
      await fast.kubectl(
        ['apply', '-n', 'fast', '-f', '-'],
        podYaml('p', { init: ['setup'], nativeSidecars: ['proxy'] }),
      );
      await fast.kubectl(['wait', '-n', 'fast', '--for=jsonpath={.status.phase}=Running', 'pod/p', '--timeout=30s']);
      const out = await fast.kubectl(['get', 'pod', '-n', 'fast', 'p', '--no-headers']);
      assert.match(out, /^p\s+2\/2\s+Running\s+0\s/);
    });

    it('stops and restarts the API server alone', async () => {
      await fast.stopApiServer();
      await assert.rejects(fast.kubectl(['get', 'nodes', '--request-timeout=2s']));
      await fast.startApiServer();
      assert.match(await fast.kubectl(['get', 'nodes', '--no-headers']), /kwok-node-0\s+Ready/);
    });

    it('leaves no process and no folder behind when stopped', async () => {
      const pids = fast.pids();
      assert.equal(pids.length, 5, 'etcd, apiserver, controller-manager, scheduler and kwok run');
      await fast.stop();
      for (const pid of pids) assert.throws(() => process.kill(pid, 0), /ESRCH/, `process ${pid} is still alive`);
      assert.equal(existsSync(fast.dir), false, `${fast.dir} still exists`);
    });
  });

  describe('with the realistic stages', () => {
    const ns = 'realistic';
    before(async () => createNamespace(testCluster(), ns));

    it('walks a Pod through Init:0/1, PodInitializing and Running, as kubectl prints it', async () => {
      const cluster = testCluster();
      await cluster.kubectl(
        ['apply', '-n', ns, '-f', '-'],
        podYaml('walk', { init: ['setup'], annotations: { 'kwok.helpers.dev/step-delay': '1s' } }),
      );
      const seen = await watchPodColumns(cluster, ns, 'walk', (cols) => cols.status === 'Running', 30_000);
      assert.deepEqual(distinct(seen.map((c) => c.status)), ['Init:0/1', 'PodInitializing', 'Running']);
      assert.equal(seen[seen.length - 1].ready, '1/1');
    });

    it('starts a native sidecar before the app and counts it as ready', async () => {
      const cluster = testCluster();
      await cluster.kubectl(
        ['apply', '-n', ns, '-f', '-'],
        podYaml('side', {
          init: ['setup'],
          nativeSidecars: ['proxy'],
          // Each state lasts a step: long enough for a poll of kubectl on a busy machine to see it.
          annotations: { 'kwok.helpers.dev/step-delay': '1s' },
        }),
      );
      const seen = await watchPodColumns(cluster, ns, 'side', (cols) => cols.status === 'Running', 30_000);
      assert.deepEqual(distinct(seen.map((c) => c.status)), ['Init:0/2', 'Init:1/2', 'PodInitializing', 'Running']);
      assert.equal(seen[seen.length - 1].ready, '2/2');
    });

    it('crash-loops the init container named by the failure annotation, with a growing restart count', async () => {
      const cluster = testCluster();
      await cluster.kubectl(
        ['apply', '-n', ns, '-f', '-'],
        podYaml('crash', {
          init: ['migrate'],
          annotations: {
            'kwok.helpers.dev/fail': 'migrate',
            'kwok.helpers.dev/exit-code': '3',
            'kwok.helpers.dev/step-delay': '200ms',
          },
        }),
      );
      const seen = await watchPodColumns(cluster, ns, 'crash', (cols) => parseInt(cols.restarts, 10) >= 2, 30_000);
      const statuses = distinct(seen.map((c) => c.status));
      assert.ok(statuses.includes('Init:Error'), `saw ${statuses.join(', ')}`);
      assert.ok(statuses.includes('Init:CrashLoopBackOff'), `saw ${statuses.join(', ')}`);
      const exitCode = await cluster.kubectl([
        'get',
        'pod',
        '-n',
        ns,
        'crash',
        '-o',
        'jsonpath={.status.initContainerStatuses[0].lastState.terminated.exitCode}',
      ]);
      assert.equal(exitCode, '3');
    });
  });

  it('deletes the Pods an owner owns when the owner is deleted (the garbage collector runs)', async () => {
    const cluster = testCluster();
    await createNamespace(cluster, 'gc');
    await cluster.kubectl(['create', 'configmap', '-n', 'gc', 'owner']);
    const uid = await cluster.kubectl(['get', 'configmap', '-n', 'gc', 'owner', '-o', 'jsonpath={.metadata.uid}']);
    await cluster.kubectl(['apply', '-n', 'gc', '-f', '-'], podYaml('owned', { ownerUid: uid, ownerName: 'owner' }));
    await cluster.kubectl(['delete', 'configmap', '-n', 'gc', 'owner']);
    await cluster.kubectl(['wait', '-n', 'gc', '--for=delete', 'pod/owned', '--timeout=30s']);
  });

  it('refuses a Pod that violates the restricted Pod Security profile where it is enforced', async () => {
    const cluster = testCluster();
    await createNamespace(cluster, 'locked', { 'pod-security.kubernetes.io/enforce': 'restricted' });
    await assert.rejects(
      cluster.kubectl(['apply', '-n', 'locked', '-f', '-'], podYaml('loose', {})),
      /violates PodSecurity "restricted:latest"/,
    );
  });
});

/** distinct drops repeats, and the Pending a Pod shows before its (simulated) kubelet admits it. */
function distinct(values: string[]): string[] {
  const changes = values.filter((v, i) => i === 0 || values[i - 1] !== v);
  return changes[0] === 'Pending' ? changes.slice(1) : changes;
}
