import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { sleep } from '../../hack/cluster/control-plane';
import { watch } from '../real-node/pod-watch';
import { testCluster } from './cluster-hooks';
import { createNamespace } from './kube-helpers';
import {
  awhRow,
  eventually,
  installCrd,
  jsonpath,
  reconcileOutcomes,
  startOperator,
  watchAwh,
  type RunningOperator,
} from './operator-harness';

const ns = 'operator';
const examples = path.join(__dirname, '../../examples');
const apply = (yaml: string) => testCluster().kubectl(['apply', '-n', ns, '-f', '-'], yaml);
const podNames = async (app?: string) =>
  (
    await testCluster().kubectl([
      'get',
      'pods',
      '-n',
      ns,
      '-l',
      app ? `helpers.dev/app=${app}` : 'helpers.dev/app',
      '-o',
      'jsonpath={.items[*].metadata.name}',
    ])
  )
    .split(' ')
    .filter(Boolean)
    .sort();

describe('the operator, on the real control plane', () => {
  let op: RunningOperator;
  before(async function () {
    this.timeout(60_000);
    const cluster = testCluster();
    await installCrd(cluster);
    await createNamespace(cluster, ns);
    op = await startOperator(cluster, ns);
  });
  after(async () => op?.stop());

  describe("the guide's three examples", () => {
    before(async () => {
      await testCluster().kubectl(['apply', '-n', ns, '-f', examples]);
    });

    it('shows Init:0/1 → PodInitializing → Running on the AppWithHelpers itself', async () => {
      const seen = await watchAwh(testCluster(), ns, 'myapp-with-init', (r) => r.status === 'Running');
      assert.deepEqual(
        seen.filter((s) => s !== 'Pending'),
        ['Init:0/1', 'PodInitializing', 'Running'],
      );
    });

    it('converges all three, and kubectl wait --for=condition=Ready returns', async () => {
      await testCluster().kubectl([
        'wait',
        '-n',
        ns,
        '--for=condition=Ready',
        'awh/myapp-with-init',
        'awh/myapp-with-sidecar',
        'awh/myapp-combined',
        '--timeout=60s',
      ]);
    });

    it('reports every init step and sidecar with its phase', async () => {
      const status = JSON.parse(await jsonpath(testCluster(), ns, 'awh/myapp-combined', '{.status}'));
      assert.deepEqual(
        status.initSteps.map((s: { name: string; state: string; exitCode: number }) => [s.name, s.state, s.exitCode]),
        [['config-initializer', 'Succeeded', 0]],
      );
      assert.deepEqual(
        status.sidecars.map((s: { name: string; state: string; ready: boolean }) => [s.name, s.state, s.ready]),
        [['monitor-sidecar', 'Running', true]],
      );
      assert.deepEqual(
        [status.app.name, status.app.state, status.phase, status.observedGeneration],
        ['myapp-container', 'Running', 'Running', 1],
      );
    });

    it('prints the columns of API.md in kubectl get awh', async () => {
      const out = await testCluster().kubectl(['get', 'awh', '-n', ns]);
      assert.match(out, /^NAME\s+STATUS\s+READY\s+INIT\s+SIDECARS\s+RESTARTS\s+AGE\n/);
      assert.match(out, /myapp-combined\s+Running\s+1\/1\s+1\/1\s+1\/1\s+0\s+\d+s/);
      assert.match(out, /myapp-with-sidecar\s+Running\s+1\/1\s+0\/0\s+1\/1\s+0\s/);
    });

    it('prints the same STATUS and READY as kubectl get pod prints for the Pod', async () => {
      const [pod] = await podNames('myapp-combined');
      const podLine = (await testCluster().kubectl(['get', 'pod', '-n', ns, pod, '--no-headers'])).split(/\s+/);
      const entry = JSON.parse(await jsonpath(testCluster(), ns, 'awh/myapp-combined', '{.status.pods[0]}'));
      assert.deepEqual([entry.name, entry.ready, entry.status], [podLine[0], podLine[1], podLine[2]]);
    });

    it('replaces a deleted Pod', async () => {
      const [before] = await podNames('myapp-with-init');
      const uid = await jsonpath(testCluster(), ns, `pod/${before}`, '{.metadata.uid}');
      await testCluster().kubectl(['delete', 'pod', '-n', ns, before, '--wait=false']);
      await eventually('a new Pod', async () => {
        const names = await podNames('myapp-with-init');
        return names.length === 1 && (await jsonpath(testCluster(), ns, `pod/${names[0]}`, '{.metadata.uid}')) !== uid;
      });
      await watchAwh(testCluster(), ns, 'myapp-with-init', (r) => r.status === 'Running' && r.ready === '1/1');
    });

    it('rolls a spec change: a new Pod first, the old one once the new is Ready', async () => {
      const [old] = await podNames('myapp-with-sidecar');
      await testCluster().kubectl([
        'patch',
        'awh',
        '-n',
        ns,
        'myapp-with-sidecar',
        '--type=merge',
        '-p',
        '{"spec":{"app":{"image":"nginx:1.27"}}}',
      ]);
      await eventually('the rollout', async () => {
        const names = await podNames('myapp-with-sidecar');
        return names.length === 1 && names[0] !== old;
      });
      await testCluster().kubectl([
        'wait',
        '-n',
        ns,
        '--for=condition=Ready',
        'awh/myapp-with-sidecar',
        '--timeout=30s',
      ]);
      const image = await jsonpath(
        testCluster(),
        ns,
        `pod/${(await podNames('myapp-with-sidecar'))[0]}`,
        '{.spec.containers[0].image}',
      );
      assert.equal(image, 'nginx:1.27');
      assert.equal(await jsonpath(testCluster(), ns, 'awh/myapp-with-sidecar', '{.status.observedGeneration}'), '2');
    });
  });

  describe('a quiet cluster: six apps applied at once', () => {
    // One worker, so the six keys wait for it together each time their Pods step in lockstep.
    const quiet = 'quiet';
    let one: RunningOperator;
    before(async () => {
      await createNamespace(testCluster(), quiet);
      one = await startOperator(testCluster(), quiet, { flags: ['--concurrency=1'] });
    });
    after(async () => one?.stop());
    const apps = [0, 1, 2, 3, 4, 5].map((i) => `quiet-${i}`);
    const app = (name: string) => `---
apiVersion: helpers.dev/v1alpha1
kind: AppWithHelpers
metadata: {name: ${name}}
spec:
  initSteps:
    - {name: setup, image: busybox:1.36, command: [sh, -c, "true"]}
  app: {image: nginx:1.25.3}
`;

    it('shows on each AppWithHelpers every STATUS its Pod showed for 500 ms or more', async () => {
      // Six apps are a handful, not a burst: no status may be held back as if the operator were busy.
      const podTimes = new Map<string, Array<{ at: number; status: string }>>(apps.map((a) => [a, []]));
      const awhSeen = new Map<string, string[]>(apps.map((a) => [a, []]));
      const selector = encodeURIComponent(`helpers.dev/app in (${apps.join(',')})`);
      const stops = [
        watch(testCluster(), `/api/v1/namespaces/${quiet}/pods?watch=1&labelSelector=${selector}`, true, (o) => {
          const rows = (
            o as { rows?: Array<{ cells: unknown[]; object: { metadata?: { labels?: Record<string, string> } } }> }
          ).rows;
          for (const r of rows ?? []) {
            const times = podTimes.get(r.object.metadata?.labels?.['helpers.dev/app'] ?? '');
            const status = String(r.cells[2]);
            if (times && times[times.length - 1]?.status !== status) times.push({ at: Date.now(), status });
          }
        }),
        watch(testCluster(), `/apis/helpers.dev/v1alpha1/namespaces/${quiet}/appwithhelpers?watch=1`, false, (o) => {
          const a = o as { metadata: { name: string }; status?: { podStatus?: string } };
          const seen = awhSeen.get(a.metadata.name);
          const status = a.status?.podStatus;
          if (seen && status && seen[seen.length - 1] !== status) seen.push(status);
        }),
      ];
      try {
        await sleep(300); // the watches are open before the first create
        await testCluster().kubectl(['apply', '-n', quiet, '-f', '-'], apps.map(app).join(''));
        await testCluster().kubectl([
          'wait',
          '-n',
          quiet,
          '--for=condition=Ready',
          ...apps.map((a) => `awh/${a}`),
          '--timeout=60s',
        ]);
        await sleep(500); // the last status write may trail the Pod's last version
      } finally {
        stops.forEach((stop) => stop());
      }
      const missed = apps.flatMap((a) => {
        const times = podTimes.get(a)!;
        const shown = times.filter((t, i) => (times[i + 1]?.at ?? Date.now()) - t.at >= 500).map((t) => t.status);
        const lost = shown.filter((s) => !awhSeen.get(a)!.includes(s));
        return lost.length
          ? [`${a}: Pod ${times.map((t) => t.status).join(' → ')}, AppWithHelpers ${awhSeen.get(a)!.join(' → ')}`]
          : [];
      });
      assert.ok(
        apps.every((a) => podTimes.get(a)!.some((t) => t.status === 'PodInitializing')),
        'every Pod went through PodInitializing',
      );
      assert.deepEqual(missed, []);
      await testCluster().kubectl(['delete', 'awh', '-n', quiet, ...apps, '--wait=false']);
    });
  });

  describe('failures and bad input', () => {
    it('shows a failing init step as Init:CrashLoopBackOff, with exit code and message in a condition and an Event', async () => {
      await apply(`
  apiVersion: helpers.dev/v1alpha1
  kind: AppWithHelpers
  metadata: {name: broken}
  spec:
    podTemplate:
      metadata:
        annotations: {kwok.helpers.dev/fail: migrate, kwok.helpers.dev/exit-code: "3", kwok.helpers.dev/step-delay: 300ms}
    initSteps:
      - {name: migrate, image: migrate:1}
    app: {image: nginx}
  `);
      const seen = await watchAwh(
        testCluster(),
        ns,
        'broken',
        (r) => r.status === 'Init:CrashLoopBackOff' && Number(r.restarts) >= 1,
      );
      assert.ok(seen.includes('Init:Error') || seen.includes('Init:CrashLoopBackOff'), seen.join(' → '));
      const degraded = JSON.parse(
        await jsonpath(testCluster(), ns, 'awh/broken', '{.status.conditions[?(@.type=="Degraded")]}'),
      );
      assert.equal(degraded.status, 'True');
      assert.match(degraded.reason, /^InitStep(CrashLooping|Failed)$/);
      assert.match(degraded.message, /step 1\/1 migrate .*exit code 3/);
      await eventually(
        'a Warning Event on the AppWithHelpers',
        async () =>
          (
            await testCluster().kubectl([
              'get',
              'events',
              '-n',
              ns,
              '--field-selector',
              'involvedObject.kind=AppWithHelpers,involvedObject.name=broken,type=Warning',
              '-o',
              'name',
            ])
          ).trim() !== '',
      );
      const describe = await testCluster().kubectl(['describe', 'awh', '-n', ns, 'broken']);
      assert.match(describe, /Warning\s+InitStep(CrashLooping|Failed)\s+.*appwithhelpers-operator\s+step 1\/1 migrate/);
    });

    it('refuses what the API server can check, with a message naming the field', async () => {
      const bad = readFileSync(path.join(__dirname, 'fixtures/invalid.yaml'), 'utf8');
      await assert.rejects(apply(bad), (err: Error) => {
        assert.match(err.message, /spec\.app\.ports\[0\]\.containerPort: Invalid value: 70000/);
        assert.match(
          err.message,
          /spec\.initSteps: Invalid value: .*names must be unique across app, initSteps and sidecars/,
        );
        assert.match(
          err.message,
          /spec\.initSteps\[0\]\.waitFor: Invalid value: .*waitFor needs exactly one of tcp or http/,
        );
        assert.match(err.message, /spec\.sidecars: Invalid value: .*startBeforeInitSteps needs native sidecars/);
        return true;
      });
      await assert.rejects(
        apply(
          `apiVersion: helpers.dev/v1alpha1\nkind: AppWithHelpers\nmetadata: {name: ${'a'.repeat(64)}}\nspec: {app: {image: nginx}}\n`,
        ),
        /metadata\.name: at most 63 characters/,
      );
    });

    it('marks what only the operator can tell Degraded/InvalidSpec, and keeps the Pods running', async () => {
      await apply(
        'apiVersion: helpers.dev/v1alpha1\nkind: AppWithHelpers\nmetadata: {name: later-bad}\nspec:\n  app: {name: web, image: nginx}\n',
      );
      await testCluster().kubectl(['wait', '-n', ns, '--for=condition=Ready', 'awh/later-bad', '--timeout=30s']);
      const pods = await podNames('later-bad');
      await testCluster().kubectl([
        'patch',
        'awh',
        '-n',
        ns,
        'later-bad',
        '--type=merge',
        '-p',
        '{"spec":{"app":{"name":"Web_1"}}}',
      ]);
      await eventually(
        'Degraded/InvalidSpec',
        async () =>
          (await jsonpath(testCluster(), ns, 'awh/later-bad', '{.status.conditions[?(@.type=="Degraded")].reason}')) ===
          'InvalidSpec',
      );
      const message = await jsonpath(
        testCluster(),
        ns,
        'awh/later-bad',
        '{.status.conditions[?(@.type=="Degraded")].message}',
      );
      assert.match(message, /spec\.app\.name: must be a DNS label/);
      assert.deepEqual(await podNames('later-bad'), pods);
      assert.equal((await awhRow(testCluster(), ns, 'later-bad'))!.status, 'InvalidSpec');
    });

    it('sends Pod fields newer than client-node 0.20 knows (pod-level resources) to the server intact', async () => {
      await apply(`
apiVersion: helpers.dev/v1alpha1
kind: AppWithHelpers
metadata: {name: newer-fields}
spec:
  podTemplate:
    spec:
      resources: {limits: {cpu: "1", memory: 256Mi}}
  app: {image: nginx}
`);
      await eventually('its Pod', async () => (await podNames('newer-fields')).length === 1);
      const resources = await jsonpath(
        testCluster(),
        ns,
        `pod/${(await podNames('newer-fields'))[0]}`,
        '{.spec.resources.limits}',
      );
      assert.deepEqual(JSON.parse(resources), { cpu: '1', memory: '256Mi' });
    });
  });

  describe('restarting', () => {
    it('makes no duplicate Pods and no writes when restarted on a converged cluster', async () => {
      // The crash-looping app changes by itself (its restart count grows); everything else is settled.
      await testCluster().kubectl(['delete', 'awh', '-n', ns, 'broken', '--wait=true']);
      await eventually("the broken app's Pods gone", async () => (await podNames('broken')).length === 0);
      await apply(`apiVersion: helpers.dev/v1alpha1
kind: AppWithHelpers
metadata: {name: waits}
spec:
  app: {image: nginx:1.25.3}
  initSteps: [{name: wait-for-db, waitFor: {tcp: {host: database-service, port: 5432}}}]
`);
      await testCluster().kubectl([
        'wait',
        '-n',
        ns,
        '--for=condition=Ready',
        'awh/myapp-combined',
        'awh/myapp-with-init',
        'awh/myapp-with-sidecar',
        'awh/newer-fields',
        'awh/waits',
        '--timeout=60s',
      ]);
      await sleep(1500); // let the last status writes land
      const uids = async () =>
        (await jsonpath(testCluster(), ns, 'pods', '{range .items[*]}{.metadata.name}={.metadata.uid} {end}')).trim();
      const before = await uids();
      await op.stop();
      // Another operator version: another helper image and another waitFor script. The user's
      // specs did not change, so no Pod may roll and nothing may be written.
      op = await startOperator(testCluster(), ns, {
        flags: ['--helper-image=registry.local/busybox:9.9'],
        render: { waitScript: 'echo a newer wait script' },
      });
      await sleep(3000);
      assert.deepEqual(op.writes, [], 'a restarted operator writes nothing to a converged cluster');
      assert.equal(await uids(), before, 'Pods were replaced');
      // Workers wait for every cache: no app is taken for deleted because its object was not listed yet.
      const outcomes = await reconcileOutcomes(op);
      assert.equal(outcomes.deleted ?? 0, 0, `outcomes at start: ${JSON.stringify(outcomes)}`);
      assert.ok((outcomes.unchanged ?? 0) >= 5, `outcomes at start: ${JSON.stringify(outcomes)}`);
    });
  });
});
