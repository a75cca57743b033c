/**
 * Faults (issue R1–R4): the operator killed mid-work, the API server gone for 30 s, watches
 * expired by an etcd compaction, a leader killed under load. On a control plane of their own, with
 * an audit log: it is how "no Pod created twice" is proven, by the API server's own record.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ControlPlane, freePort, sleep } from '../../hack/cluster/control-plane';
import { installCrd } from '../../hack/cluster/install-crd';
import type { KubeHttp } from '../../src/k8s/http';
import {
  adminClient,
  appsPath,
  createApps,
  expectedPods,
  managedPods,
  metric,
  podCreates,
  replicasOf,
  untilKubeletsBack,
  untilServing,
  waitConverged,
} from './faults-helpers';
import { OperatorProcess } from './operator-process';

const USER = 'appwithhelpers-operator';

describe('faults: the operator loses nothing, duplicates nothing and never crashes', function () {
  this.timeout(10 * 60_000);
  let cluster: ControlPlane;
  let http: KubeHttp;
  let audit: string;
  const running: OperatorProcess[] = [];

  const operator = (name: string, ns: string, args: string[] = []): OperatorProcess => {
    const op = new OperatorProcess(
      name,
      [`--namespaces=${ns}`, '--log-level=info', ...args],
      cluster.userKubeconfig(USER),
    );
    running.push(op);
    return op;
  };
  const namespace = async (ns: string) => {
    await cluster.kubectl(['create', 'namespace', ns]);
    for (
      let i = 0;
      !(
        await cluster.kubectl(['get', 'serviceaccount', '-n', ns, 'default', '--ignore-not-found', '-o', 'name'])
      ).trim();
      i++
    ) {
      if (i > 300) throw new Error(`no default ServiceAccount in ${ns}`);
      await sleep(100);
    }
  };
  /** Creates n AppWithHelpers ten at a time, every 300 ms, as a busy team or a CD pipeline would. */
  const appNames = (n: number) => Array.from({ length: n }, (_, i) => `app-${String(i).padStart(3, '0')}`);
  const createSlowly = async (ns: string, names: string[]) => {
    const n = names.length;
    for (let i = 0; i < n; i += 10) {
      await createApps(http, ns, names.slice(i, i + 10));
      await sleep(300);
    }
  };
  const errorsOf = (op: OperatorProcess) => op.lines.filter((l) => l.level === 'error');
  /** Every Pod the operator ever created in ns was created once, and they are the Pods there now. */
  const assertNoPodCreatedTwice = async (ns: string, total: number) => {
    const creates = podCreates(audit, USER, ns);
    const twice = [...creates.created].filter(([, count]) => count > 1);
    assert.deepEqual(twice, [], 'Pods created more than once');
    const pods = await managedPods(http, ns);
    const now = pods.map((p) => p.metadata.name).sort();
    const perApp = new Map<string, string[]>();
    for (const p of pods)
      perApp.set(p.metadata.labels!['helpers.dev/app'], [
        ...(perApp.get(p.metadata.labels!['helpers.dev/app']) ?? []),
        `${p.metadata.name}${p.metadata.deletionTimestamp ? ' (terminating)' : ''}`,
      ]);
    const extra = [...perApp].filter(([app, names]) => names.length !== replicasOf(app));
    assert.equal(now.length, total, `Pods beyond the replicas: ${JSON.stringify(extra.slice(0, 5))}`);
    assert.deepEqual([...creates.created.keys()].sort(), now, 'every Pod ever created is one of the Pods there now');
    return creates;
  };

  before(async function () {
    this.timeout(120_000);
    audit = path.join(mkdtempSync(path.join(os.tmpdir(), 'awh-faults-')), 'audit.log');
    cluster = await ControlPlane.start({ stages: 'fast', nodes: 3, auditLog: audit });
    await installCrd(cluster);
    http = adminClient(cluster.kubeconfig);
  });
  afterEach(function () {
    if (this.currentTest?.state !== 'failed') return;
    const file = path.join(path.dirname(audit), `operators-${Date.now()}.log`);
    writeFileSync(file, running.flatMap((op) => op.lines.map((l) => `${op.name} ${JSON.stringify(l)}`)).join('\n'));
    console.log(`      the operators' logs: ${file}; the cluster's: ${path.join(cluster.dir, 'logs')}`);
  });
  after(async () => {
    running.forEach((op) => op.kill('SIGKILL'));
    await Promise.all(running.map((op) => op.exited));
    http?.close();
    await cluster?.stop();
  });

  it('R1: SIGKILLed while 200 AppWithHelpers are being created, then restarted: all converge, no Pod created twice', async () => {
    const ns = 'r1';
    const n = 200;
    const names = appNames(n);
    const total = expectedPods(names);
    await namespace(ns);
    const first = operator('first', ns, ['--probe-port=0']);
    await first.waitFor('caches synced');
    const creating = createSlowly(ns, names);
    let podsAtKill: number;
    while ((podsAtKill = (await managedPods(http, ns)).length) < total / 3) await sleep(100);
    first.kill('SIGKILL');
    await first.exited;
    const appsAtKill = (await http.request<{ items: unknown[] }>('GET', appsPath(ns))).items.length;
    await creating;

    const restartedAt = Date.now();
    const second = operator('second', ns, ['--probe-port=0']);
    await second.waitFor('caches synced');
    await waitConverged(http, ns, 180_000);
    const seconds = (Date.now() - restartedAt) / 1000;
    await sleep(2000); // a duplicate would come from a late create: give it time to show
    const creates = await assertNoPodCreatedTwice(ns, total);
    assert.deepEqual(errorsOf(second), []);
    console.log(
      `      R1: killed with ${appsAtKill}/${n} AppWithHelpers and ${podsAtKill}/${total} Pods created; after the restart all ${n} converged in ${seconds.toFixed(1)}s; ` +
        `${creates.created.size} Pods created once each, 0 twice (${creates.alreadyExists} creates refused as AlreadyExists)`,
    );
    second.kill('SIGTERM');
    await second.exited;
  });

  describe('R2, R3: the API server goes away', () => {
    const ns = 'r2';
    const leNs = 'r2-leader';
    let op: OperatorProcess;
    /** The same, with leader election on, as the Helm chart runs it. */
    let leader: OperatorProcess;
    let port: number;
    let kwokBackSeconds = 0;
    const relists = () => metric(port, 'appwithhelpers_relists_total');
    const watches = () => metric(port, 'appwithhelpers_watch_restarts_total');
    const stillRunning = async (p = op) => await Promise.race([p.exited.then(() => false), sleep(10).then(() => true)]);

    before(async () => {
      await namespace(ns);
      port = await freePort();
      op = operator('r2', ns, [`--probe-port=${port}`]);
      await op.waitFor('caches synced');
      await createApps(
        http,
        ns,
        Array.from({ length: 30 }, (_, i) => `app-${i}`),
      );
      await namespace(leNs);
      leader = operator('r2-leader', leNs, [
        '--probe-port=0',
        '--leader-elect',
        '--lease-namespace=default',
        '--lease-name=r2',
      ]);
      await leader.waitFor('caches synced');
      await createApps(
        http,
        leNs,
        Array.from({ length: 10 }, (_, i) => `app-${i}`),
      );
      await waitConverged(http, ns, 60_000);
      await waitConverged(http, leNs, 60_000);
    });
    after(async () => {
      op.kill('SIGTERM');
      leader.kill('SIGTERM');
      await Promise.all([op.exited, leader.exited]);
    });

    /** Changes made once the API server is back, which only a reconnected operator converges. */
    const changeThings = async (tag: string, namespaces = [ns]) => {
      await untilServing(http, ns);
      kwokBackSeconds = await untilKubeletsBack(http, ns);
      for (const n of namespaces) {
        const pods = await managedPods(http, n);
        for (const p of pods.slice(0, 5))
          await http.request('DELETE', `/api/v1/namespaces/${n}/pods/${p.metadata.name}`);
        await createApps(
          http,
          n,
          Array.from({ length: 5 }, (_, i) => `${tag}-${i}`),
        );
      }
    };

    it('R2: 30 s without an API server: the process stays up, retries with backoff, reconnects, converges, relists no more than once', async () => {
      const [relists0, watches0] = [await relists(), await watches()];
      const retries0 = op.lines.filter((l) => l.message === 'watch failed, retrying').length;
      const requests0 = await metric(port, 'appwithhelpers_api_requests_total');
      await cluster.stopApiServer();
      await sleep(30_000);
      assert.ok(await stillRunning(), 'the operator exited while the API server was away');
      const retries = op.lines.filter((l) => l.message === 'watch failed, retrying').slice(retries0);
      const requestsWhileDown = (await metric(port, 'appwithhelpers_api_requests_total')) - requests0;
      await cluster.startApiServer();
      const upAt = Date.now();
      while ((await watches()) < watches0 + 2) {
        if (Date.now() - upAt > 60_000)
          throw new Error('the operator did not watch again within 60 s of the API server coming back');
        await sleep(100);
      }
      const reconnectSeconds = (Date.now() - upAt) / 1000;
      await changeThings('after-outage', [ns, leNs]);
      const convergeSeconds = await waitConverged(http, ns, 60_000);
      assert.ok(convergeSeconds < 10, `changes after the outage took ${convergeSeconds}s to converge`);
      const leaderConvergeSeconds = await waitConverged(http, leNs, 60_000);
      await sleep(5000);
      const relisted = (await relists()) - relists0;
      assert.ok(await stillRunning());
      // With leader election the Lease could not be renewed: it stepped down, and leads again.
      assert.ok(await stillRunning(leader), 'the leader-elected operator exited');
      assert.ok(leader.has('lost the leader Lease: not renewed within the renew deadline'));
      assert.equal(leader.lines.filter((l) => l.message === 'became leader').length, 2);
      assert.deepEqual(errorsOf(leader), []);
      // Two informers (AppWithHelpers, Pods): backoff 0.5, 1, 2, 4, 8, 16 s fits 6 tries each in 30 s.
      assert.ok(retries.length <= 2 * 7, `${retries.length} watch retries in 30 s: no backoff`);
      assert.ok(relisted <= 2, `${relisted} relists: at most one per informer`);
      const backoff = retries.map((l) => l.retryInMs as number).filter((ms, i, all) => all.indexOf(ms) === i);
      console.log(
        `      R2: 30 s down; process up throughout; ${retries.length} watch retries (${requestsWhileDown} requests) while down, backoff ${backoff.join(', ')} ms; ` +
          `${reconnectSeconds < 0.1 ? 'watching again as soon as the API server was ready' : `watching again ${reconnectSeconds.toFixed(1)}s after the API server was ready`}; ${relisted} relists; changes made once KWOK was back (${kwokBackSeconds.toFixed(0)}s) converged in ${convergeSeconds.toFixed(1)}s; ` +
          `with leader election: stepped down, led again, converged in ${leaderConvergeSeconds.toFixed(1)}s, process up throughout`,
      );
    });

    it('R3: a watch expired by etcd compaction (410 Gone) is listed again once, then watched as before', async () => {
      const [relists0, expired0] = [
        await relists(),
        op.lines.filter((l) => l.message === 'watch expired, listing again').length,
      ];
      await cluster.stopApiServer();
      const revision = await cluster.compactEtcd();
      await cluster.startApiServer();
      const upAt = Date.now();
      while ((await relists()) < relists0 + 2) {
        if (Date.now() - upAt > 60_000)
          throw new Error(`expected a relist of each informer after compaction; saw ${(await relists()) - relists0}`);
        await sleep(100);
      }
      const relistSeconds = (Date.now() - upAt) / 1000;
      await changeThings('after-compaction');
      const convergeSeconds = await waitConverged(http, ns, 60_000);
      assert.ok(convergeSeconds < 10, `changes after the compaction took ${convergeSeconds}s to converge`);
      await sleep(5000);
      const expired = op.lines.filter((l) => l.message === 'watch expired, listing again').length - expired0;
      assert.equal((await relists()) - relists0, 2, 'one relist per informer, then watching again');
      assert.equal(expired, 2);
      assert.deepEqual(errorsOf(op), []);
      console.log(
        `      R3: etcd compacted to revision ${revision}; 410 Gone seen by ${expired} informers, each listed again once ${relistSeconds.toFixed(1)}s after the API server was ready; changes made once KWOK was back (${kwokBackSeconds.toFixed(0)}s) converged in ${convergeSeconds.toFixed(1)}s`,
      );
    });
  });

  it('R4: the leader killed while 200 AppWithHelpers are being created: the standby takes over within 17 s, no Pod created twice', async () => {
    const ns = 'r4';
    const n = 200;
    const names = appNames(n);
    const total = expectedPods(names);
    await namespace(ns);
    const lease = ['--probe-port=0', '--leader-elect', '--lease-namespace=default', '--lease-name=r4'];
    const a = operator('a', ns, [...lease, '--identity=a']);
    await a.waitFor('caches synced');
    const b = operator('b', ns, [...lease, '--identity=b']);
    await b.waitFor('waiting for the leader Lease');
    const creating = createSlowly(ns, names);
    let podsAtKill: number;
    while ((podsAtKill = (await managedPods(http, ns)).length) < total / 3) await sleep(100);
    a.kill('SIGKILL');
    const killedAt = Date.now();
    await b.waitFor('became leader', 30_000);
    const takeover = (Date.now() - killedAt) / 1000;
    await b.waitFor('caches synced');
    const working = (Date.now() - killedAt) / 1000;
    await creating;
    const convergeSeconds = await waitConverged(http, ns, 180_000);
    await sleep(2000);
    const creates = await assertNoPodCreatedTwice(ns, total);
    assert.ok(takeover <= 17, `takeover took ${takeover}s`);
    assert.deepEqual(errorsOf(b), []);
    console.log(
      `      R4: leader killed at ${podsAtKill}/${total} Pods; standby leading after ${takeover.toFixed(1)}s, reconciling after ${working.toFixed(1)}s; ` +
        `all ${n} converged ${convergeSeconds.toFixed(1)}s later; ${creates.created.size} Pods created once each, 0 twice (${creates.alreadyExists} AlreadyExists)`,
    );
  });
});
