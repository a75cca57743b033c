import { strict as assert } from 'node:assert';
import type { V1Pod } from '@kubernetes/client-node';
import { sleep } from '../../hack/cluster/control-plane';
import { anApp, apply } from './apps';
import { realHarness, realNamespace as ns } from './hooks';

const isReady = (p: V1Pod) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

async function livePods(app: string): Promise<V1Pod[]> {
  const out = await realHarness().cluster.kubectl([
    'get',
    'pods',
    '-n',
    ns,
    '-l',
    `helpers.dev/app=${app}`,
    '-o',
    'json',
  ]);
  return (JSON.parse(out) as { items: V1Pod[] }).items.filter((p) => !p.metadata?.deletionTimestamp);
}

async function answers(ip: string): Promise<boolean> {
  try {
    const res = await fetch(`http://${ip}/`, { signal: AbortSignal.timeout(2000) });
    return res.ok;
  } catch {
    return false;
  }
}

describe('a rolling update on a real node', () => {
  it('replaces real Pods one at a time, the app answering throughout', async () => {
    const app = (version: string) =>
      anApp('rolling', {
        replicas: 2,
        app: {
          name: 'web',
          image: 'nginx:1.25.3',
          env: [{ name: 'VERSION', value: version }],
          readinessProbe: { httpGet: { path: '/', port: 80 }, periodSeconds: 1 },
        },
      });
    await apply(app('1'));
    const settled = async () => {
      const pods = await livePods('rolling');
      return pods.length === 2 && pods.every(isReady) ? pods : undefined;
    };
    let before: V1Pod[] | undefined;
    for (const deadline = Date.now() + 180_000; !(before = await settled()); await sleep(300))
      if (Date.now() > deadline) throw new Error('the first two Pods did not get Ready in 180s');

    await apply(app('2'));
    const oldNames = new Set(before.map((p) => p.metadata!.name));
    let mostAlive = 0;
    let leastReady = Infinity;
    const silent: string[] = [];
    for (const deadline = Date.now() + 240_000; ; await sleep(250)) {
      const pods = await livePods('rolling');
      const ready = pods.filter(isReady);
      mostAlive = Math.max(mostAlive, pods.length);
      leastReady = Math.min(leastReady, ready.length);
      const answered = await Promise.all(ready.map((p) => answers(p.status!.podIP!)));
      if (!answered.some(Boolean)) silent.push(`${new Date().toISOString()}: ${ready.length} ready, none answered`);
      const done = pods.length === 2 && ready.length === 2 && pods.every((p) => !oldNames.has(p.metadata!.name));
      if (done) break;
      if (Date.now() > deadline)
        throw new Error(`the rollout did not finish in 240s: ${pods.map((p) => p.metadata!.name).join(', ')}`);
    }
    console.log(`      during the rollout: at most ${mostAlive} Pods, at least ${leastReady} ready`);
    assert.deepEqual(silent, [], 'the app stopped answering');
    assert.ok(mostAlive <= 3, `more than one extra Pod at a time (${mostAlive})`);
    assert.ok(leastReady >= 1, 'no Pod was ready at some point');
  });
});
