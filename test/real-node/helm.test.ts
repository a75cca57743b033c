import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import type { V1Pod } from '@kubernetes/client-node';
import { sleep } from '../../hack/cluster/control-plane';
import { containerdSocket } from '../../hack/cluster/node/configs';
import { onRealNode, realNodePlacement } from '../../hack/cluster/node/placement';
import { createNamespace } from '../integration/kube-helpers';
import { eventually } from '../integration/operator-harness';
import { realHarness } from './hooks';
import { watch } from './pod-watch';

const run = promisify(execFile);
const root = path.join(__dirname, '../..');
const chart = path.join(root, 'config/helm/appwithhelpers-operator');
const repository = 'localhost/appwithhelpers-operator';
const [tagA, tagB] = ['real-node-a', 'real-node-b'];
const system = 'awh-system'; // the operator's namespace: restricted Pod Security
const apps = 'shop'; // the apps it watches
const release = 'awh';
const deployment = `${release}-appwithhelpers-operator`;
const lease = deployment;

/** The handover figures, printed at the end of the suite. */
const figures: string[] = [];

/**
 * The operator as a person installs it: its image built from the Dockerfile (npm run image) and
 * loaded into the node's containerd, then `helm install` into a namespace enforcing the restricted
 * Pod Security profile, two replicas with leader election, on the real node.
 */
describe('the operator installed with Helm on the real node', function () {
  let valuesFile: string;
  const kubectl = (args: string[], input?: string) => realHarness().cluster.kubectl(args, input);
  const helm = (args: string[]) => realHarness().cluster.helm(args);
  const operatorPods = async () =>
    (
      JSON.parse(
        await kubectl(['get', 'pods', '-n', system, '-l', `app.kubernetes.io/instance=${release}`, '-o', 'json']),
      ) as { items: V1Pod[] }
    ).items.filter((p) => !p.metadata?.deletionTimestamp);
  const leaseNow = async () => {
    const out = await kubectl([
      'get',
      'lease',
      '-n',
      system,
      lease,
      '-o',
      'jsonpath={.spec.holderIdentity} {.spec.renewTime}',
    ]);
    const [holder, renewTime] = out.trim().split(' ');
    return { holder: holder ?? '', renewedAt: renewTime ? Date.parse(renewTime) : 0 };
  };
  const appPodUids = async () =>
    Object.fromEntries(
      (
        JSON.parse(await kubectl(['get', 'pods', '-n', apps, '-l', 'helpers.dev/app', '-o', 'json'])) as {
          items: V1Pod[];
        }
      ).items.map((p) => [p.metadata!.name!, p.metadata!.uid!]),
    );
  /** Every operator Pod of the Deployment's current template Ready, the old ones gone. */
  const rolledOut = () =>
    kubectl(['rollout', 'status', '-n', system, `deployment/${deployment}`, '--timeout=180s']).then(() => undefined);

  after(() => {
    if (figures.length > 0) console.log(`      ${figures.join('\n      ')}`);
  });

  before(async function () {
    this.timeout(20 * 60_000); // a cold image build runs debootstrap and npm ci
    const { node } = realHarness();
    const out = path.join(node.layout.lab, 'image');
    mkdirSync(out, { recursive: true });
    const t0 = Date.now();
    await run(
      'bash',
      [path.join(root, 'scripts/image/build.sh'), '--tag', tagA, '--load', containerdSocket(node.layout)],
      {
        cwd: root,
        env: { ...process.env, OUT: out, PATH: `${node.parts.binDir}:${process.env.PATH}` },
        maxBuffer: 64 << 20,
      },
    ).catch((err: Error & { stderr?: string }) => {
      throw new Error(`npm run image failed: ${err.stderr ?? err.message}`);
    });
    figures.push(
      `npm run image -- --tag ${tagA} --load <containerd socket>: ${((Date.now() - t0) / 1000).toFixed(0)}s`,
    );
    // The second version to upgrade to: the same build under another tag, as a registry would hold it.
    await node.ctr(['images', 'tag', `${repository}:${tagA}`, `${repository}:${tagB}`]);

    await createNamespace(realHarness().cluster, system, { 'pod-security.kubernetes.io/enforce': 'restricted' });
    await createNamespace(realHarness().cluster, apps);
    valuesFile = path.join(node.layout.lab, 'values.yaml');
    writeFileSync(
      valuesFile,
      JSON.stringify({
        image: { repository, tag: tagA },
        watchNamespaces: [apps],
        ...realNodePlacement,
      }),
    );
    await helm(['install', release, chart, '-n', system, '-f', valuesFile, '--wait', '--timeout', '180s']);
  });

  it('runs two Pods, Running and Ready through the kubelet probing /healthz and /readyz', async () => {
    await rolledOut();
    const pods = await operatorPods();
    assert.equal(pods.length, 2);
    for (const pod of pods) {
      assert.equal(pod.spec?.nodeName, realHarness().node.name);
      assert.equal(pod.status?.phase, 'Running');
      const c = pod.status!.containerStatuses![0];
      assert.ok(c.ready && c.started, `${pod.metadata?.name}: ${JSON.stringify(c)}`);
      assert.match(c.containerID ?? '', /^containerd:\/\//);
      const spec = pod.spec!.containers[0];
      assert.deepEqual(
        [spec.livenessProbe?.httpGet?.path, spec.readinessProbe?.httpGet?.path],
        ['/healthz', '/readyz'],
      );
    }
    // What the kubelet's probes ask, asked from the node.
    const ip = pods[0].status!.podIP!;
    for (const probe of ['/healthz', '/readyz']) assert.equal((await fetch(`http://${ip}:8080${probe}`)).status, 200);
  });

  it('runs as UID 65532 on a read-only root filesystem, reaching the API server through the kubernetes Service', async () => {
    const [pod] = await operatorPods();
    const exec = (script: string) =>
      kubectl(['exec', '-n', system, pod.metadata!.name!, '--', 'sh', '-c', script]).then((s) => s.trim());
    assert.match(await exec('grep ^Uid: /proc/1/status'), /^Uid:\s+65532\s+65532\s+65532\s+65532$/);
    assert.match(await exec('touch /app/x 2>&1; touch /tmp/x 2>&1; true'), /\/app\/x': Read-only file system/);
    assert.match(await exec('echo $KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT'), /^10\.96\.0\.1:443$/);
    const logs = await kubectl(['logs', '-n', system, pod.metadata!.name!]);
    assert.match(logs, /"message":"connected","server":"https:\/\/10\.96\.0\.1:443"/);
  });

  it('reaches the kubernetes Service and nothing off the machine: no default route, other ClusterIPs dropped', async () => {
    const [pod] = await operatorPods();
    // bash's /dev/tcp: the image has no nc. Each answer is the kernel's, in the Pod or on the node.
    const connect = (ip: string, port: number) =>
      kubectl([
        'exec',
        '-n',
        system,
        pod.metadata!.name!,
        '--',
        'bash',
        '-c',
        `timeout 3 bash -c 'echo > /dev/tcp/${ip}/${port}' 2>&1 && echo open || echo "failed $?"`,
      ]).then((s) => s.trim());
    assert.equal(await connect('10.96.0.1', 443), 'open');
    assert.match(await connect('192.0.2.1', 53), /Network is unreachable/); // no route out of the Pod
    assert.match(await connect('10.96.0.10', 53), /failed 124$/); // the node's blackhole: no answer at all
    // The translated packets are delivered on the node, not forwarded: forwarding is off on the bridge.
    assert.equal(readFileSync(`/proc/sys/net/ipv4/conf/${realHarness().node.layout.bridge}/forwarding`, 'utf8'), '0\n');
  });

  it('the leader reconciles the three examples on the real node', async () => {
    const examples = ['init-step', 'sidecar', 'combined'].map((n) =>
      readFileSync(path.join(root, 'examples', `${n}.yaml`), 'utf8'),
    );
    await kubectl(['apply', '-n', apps, '-f', '-'], onRealNode(examples.join('\n---\n')));
    await kubectl(['wait', '-n', apps, '--for=condition=Ready', 'awh', '--all', '--timeout=180s']);
    const nodes = await kubectl(['get', 'pods', '-n', apps, '-o', 'jsonpath={.items[*].spec.nodeName}']);
    assert.deepEqual([...new Set(nodes.trim().split(' '))], [realHarness().node.name]);
    // The Lease holder did it, the standby did nothing: each one's /metrics says so.
    const { holder } = await leaseNow();
    for (const pod of await operatorPods()) {
      const metrics = await (await fetch(`http://${pod.status!.podIP}:8080/metrics`)).text();
      const reconciles = [...metrics.matchAll(/^appwithhelpers_reconcile_total\{[^}]*\} (\d+)/gm)].reduce(
        (sum, m) => sum + Number(m[1]),
        0,
      );
      const leading = pod.metadata!.name === holder;
      assert.match(metrics, new RegExp(`^appwithhelpers_leader ${leading ? 1 : 0}$`, 'm'));
      assert.ok(leading ? reconciles > 0 : reconciles === 0, `${pod.metadata!.name}: ${reconciles} reconciles`);
    }
  });

  it('a leader killed with SIGKILL through the runtime: a replica leads again within 17 s, no Pod created twice', async () => {
    const { cluster, node } = realHarness();
    // Work in flight when the leader dies: 20 AppWithHelpers (on the KWOK node) just applied.
    const created = new Map<string, string[]>();
    let deleted = 0;
    const stop = watch(
      cluster,
      `/api/v1/namespaces/${apps}/pods?watch=1&labelSelector=helpers.dev%2Fapp`,
      false,
      (o, type) => {
        const pod = o as V1Pod;
        if (type === 'DELETED') deleted++;
        if (type !== 'ADDED') return;
        const uids = created.get(pod.metadata!.name!) ?? [];
        created.set(pod.metadata!.name!, [...uids, pod.metadata!.uid!]);
      },
    );
    try {
      const before = await leaseNow();
      const leader = (await operatorPods()).find((p) => p.metadata?.name === before.holder)!;
      const container = leader.status!.containerStatuses![0].containerID!.replace('containerd://', '');
      const burst = Array.from({ length: 20 }, (_, i) =>
        JSON.stringify({
          apiVersion: 'helpers.dev/v1alpha1',
          kind: 'AppWithHelpers',
          metadata: { name: `burst-${i}`, namespace: apps },
          spec: { replicas: 2, app: { image: 'busybox:1.36', command: ['sleep', '3600'] } },
        }),
      ).join('\n---\n');
      await kubectl(['apply', '-f', '-'], burst);
      const killedAt = Date.now();
      await node.ctr(['tasks', 'kill', '-s', 'KILL', container]);
      let now = before;
      // Only a live process renews after the kill (a renewal is stamped when it is asked for).
      while (!(now.holder && now.renewedAt > killedAt)) {
        assert.ok(
          Date.now() - killedAt < 30_000,
          `no replica led within 30 s of the kill; Lease ${JSON.stringify(now)}`,
        );
        await sleep(200);
        now = await leaseNow();
      }
      const seconds = (Date.now() - killedAt) / 1000;
      const who = now.holder === before.holder ? 'the killed container, restarted by the kubelet' : 'the standby';
      figures.push(
        `SIGKILL of the leader's container (ctr tasks kill -s KILL): leading again after ${seconds.toFixed(1)}s, by ${who}`,
      );
      assert.ok(seconds <= 17, `leadership came back after ${seconds.toFixed(1)}s`);
      await kubectl(['wait', '-n', apps, '--for=condition=Ready', 'awh', '--all', '--timeout=180s']);
    } finally {
      stop();
    }
    const twice = [...created].filter(([, uids]) => uids.length > 1);
    assert.deepEqual(twice, [], 'Pods created twice');
    assert.equal(deleted, 0, 'Pods deleted');
    const burstPods = [...created.keys()].filter((n) => n.startsWith('burst-'));
    assert.equal(burstPods.length, 40, `burst Pods: ${burstPods.join(' ')}`);
    figures.push(
      `  meanwhile 20 AppWithHelpers x 2 replicas: ${burstPods.length} Pods, each created once, none deleted`,
    );
  });

  it('a leader Pod deleted (SIGTERM releases the Lease): the standby leads within seconds', async () => {
    await rolledOut(); // the killed container is Ready again
    const before = await leaseNow();
    const deletedAt = Date.now();
    await kubectl(['delete', 'pod', '-n', system, before.holder, '--wait=false']);
    let now = before;
    while (!now.holder || now.holder === before.holder) {
      assert.ok(Date.now() - deletedAt < 30_000, `no other replica led within 30 s; Lease ${JSON.stringify(now)}`);
      await sleep(200);
      now = await leaseNow();
    }
    const seconds = (Date.now() - deletedAt) / 1000;
    figures.push(`leader Pod deleted (SIGTERM, the Lease released): the standby led after ${seconds.toFixed(1)}s`);
    // Far below the 15 s Lease: the standby takes it at its next try (every 2 s).
    assert.ok(seconds < 8, `the standby led after ${seconds.toFixed(1)}s`);
  });

  it("helm upgrade to a second image tag rolls the operator and leaves the apps' Pods as they were", async () => {
    await rolledOut();
    const before = await appPodUids();
    await helm(['upgrade', release, chart, '-n', system, '-f', valuesFile, '--set', `image.tag=${tagB}`, '--wait']);
    await rolledOut();
    const pods = await operatorPods();
    assert.deepEqual(
      pods.map((p) => p.spec!.containers[0].image),
      [`${repository}:${tagB}`, `${repository}:${tagB}`],
    );
    await sleep(5000); // the new leader's first passes over every app
    assert.deepEqual(await appPodUids(), before);
  });

  it('a missing image shows on the new Pod as the kubelet reports it, failing here at once; the running ones stay', async () => {
    const notes = await helm(['upgrade', release, chart, '-n', system, '-f', valuesFile, '--set', 'image.tag=missing']);
    // The chart's notes say what to look at, and that is where the kubelet's reason is.
    const check = `kubectl -n ${system} get events --field-selector reason=Failed`;
    assert.ok(notes.includes(check) && notes.includes('ErrImagePull or ImagePullBackOff'), notes);
    let reasons = '';
    await eventually(
      'the new Pod to wait in ErrImagePull or ImagePullBackOff',
      async () => {
        const pods = await operatorPods();
        const waiting = pods.map((p) => p.status?.containerStatuses?.[0]?.state?.waiting).filter(Boolean);
        reasons = waiting.map((w) => `${w!.reason}: ${w!.message}`).join('; ');
        return waiting.some((w) => /^(ErrImagePull|ImagePullBackOff)$/.test(w!.reason ?? ''));
      },
      60_000,
    );
    // containerd asked only the loopback mirror (no name looked up, nothing sent off the machine).
    const events = await kubectl([...check.split(' ').slice(1), '-o', 'json']);
    assert.match(events, /appwithhelpers-operator:missing.*dial tcp 127\.0\.0\.1:1: connect: connection refused/);
    assert.match(reasons, /ErrImagePull|ImagePullBackOff/);
    const ready = (await operatorPods()).filter((p) => p.status?.containerStatuses?.[0]?.ready);
    assert.equal(ready.length, 2, 'the running replicas were kept');
    await helm(['rollback', release, '-n', system, '--wait']);
    await rolledOut();
  });

  it('refuses values that fail values.schema.json at helm install, naming the value', async () => {
    await assert.rejects(
      helm(['install', 'bad', chart, '-n', system, '-f', valuesFile, '--set', 'replicaCount=-1']),
      /at '\/replicaCount': minimum: got -1, want 0/,
    );
  });

  it('helm uninstall leaves the CRD, the AppWithHelpers and their Pods', async () => {
    const before = await appPodUids();
    await helm(['uninstall', release, '-n', system, '--wait']);
    await eventually('the operator Pods to go', async () => (await operatorPods()).length === 0, 60_000);
    assert.match(await kubectl(['get', 'crd', 'appwithhelpers.helpers.dev', '-o', 'name']), /appwithhelpers/);
    assert.equal((await kubectl(['get', 'awh', '-n', apps, '-o', 'name'])).trim().split('\n').length, 23);
    assert.deepEqual(await appPodUids(), before);
    // Tidy up for the suites after this one: the node has room for 40 Pods.
    await kubectl(['delete', 'namespace', apps, system, '--wait=false']);
  });
});
