import { strict as assert } from 'node:assert';
import { ApiError } from '../../../src/k8s/api-error';
import type { KubeHttp } from '../../../src/k8s/http';
import { LeaderElector, type Clock } from '../../../src/runtime/leader';

/** A clock that moves only when the test says: sleepers wake in order of their deadlines. */
class FakeClock implements Clock {
  t = Date.parse('2026-12-01T10:00:00Z');
  private sleepers: Array<{ at: number; wake: () => void }> = [];
  now = () => this.t;
  sleep = (ms: number) => new Promise<void>((wake) => this.sleepers.push({ at: this.t + ms, wake }));
  /** advance moves time forward in small steps, letting every woken task run before the next. */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    while (this.t < end) {
      this.t = Math.min(end, this.t + 100);
      const due = this.sleepers.filter((s) => s.at <= this.t);
      this.sleepers = this.sleepers.filter((s) => s.at > this.t);
      due.forEach((s) => s.wake());
      for (let i = 0; i < 20; i++) await Promise.resolve();
    }
  }
}

interface Lease {
  metadata: { name: string; namespace: string; resourceVersion?: string };
  spec: Record<string, unknown>;
}

/** One Lease object behind the requests the elector makes; `down` makes every request fail. */
function leaseStore() {
  const store = { lease: undefined as Lease | undefined, down: false, rv: 0 };
  const http = {
    request: async (method: string, _path: string, body?: Lease) => {
      if (store.down) throw new ApiError(0, 'Unreachable', 'connection refused');
      if (method === 'GET') {
        if (!store.lease) throw new ApiError(404, 'NotFound', 'not found');
        return JSON.parse(JSON.stringify(store.lease));
      }
      if (method === 'POST' && store.lease) throw new ApiError(409, 'AlreadyExists', 'exists');
      if (method === 'PUT' && body?.metadata.resourceVersion !== store.lease?.metadata.resourceVersion)
        throw new ApiError(409, 'Conflict', 'changed');
      store.lease = { ...body!, metadata: { ...body!.metadata, resourceVersion: String(++store.rv) } };
      return store.lease;
    },
  };
  return { store, http: http as unknown as KubeHttp };
}

const silent = { debug() {}, info() {}, warn() {}, error() {}, child: () => silent };
const options = (identity: string) => ({
  namespace: 'awh-system',
  name: 'appwithhelpers-operator',
  identity,
  leaseDurationMs: 15_000,
  renewDeadlineMs: 10_000,
  retryPeriodMs: 2_000,
});

describe('LeaderElector, on a fake clock', () => {
  it('takes a free Lease at once and renews it every retry period', async () => {
    const clock = new FakeClock();
    const { store, http } = leaseStore();
    const a = new LeaderElector(http, options('a'), silent, clock);
    await a.run(() => assert.fail('lost'));
    assert.ok(a.isLeader);
    assert.equal(store.lease!.spec.holderIdentity, 'a');
    const renewed = store.lease!.spec.renewTime;
    await clock.advance(2_100);
    assert.notEqual(store.lease!.spec.renewTime, renewed);
  });

  it('waits while the holder renews, and takes over one lease duration after it stopped', async () => {
    const clock = new FakeClock();
    const { store, http } = leaseStore();
    const a = new LeaderElector(http, options('a'), silent, clock);
    await a.run(() => undefined);
    const b = new LeaderElector(http, options('b'), silent, clock);
    let bLeads = false;
    void b.run(() => undefined).then(() => (bLeads = true));
    await clock.advance(30_000);
    assert.ok(!bLeads, 'b took a Lease that a renews');
    const stoppedAt = clock.now();
    store.down = true; // a is cut off; b is too for a moment, then b sees the Lease again
    await clock.advance(1_000);
    store.down = false;
    (a as unknown as { stopped: boolean }).stopped = true; // a dies: it renews no more
    while (!bLeads) await clock.advance(500);
    const waited = clock.now() - stoppedAt;
    assert.ok(waited >= 14_000 && waited <= 18_000, `b took over after ${waited} ms (lease 15 s)`);
    assert.equal(store.lease!.spec.holderIdentity, 'b');
    assert.equal(store.lease!.spec.leaseTransitions, 1);
  });

  it('gives leadership up when it cannot renew within the renew deadline, before the Lease can pass on', async () => {
    const clock = new FakeClock();
    const { store, http } = leaseStore();
    const a = new LeaderElector(http, options('a'), silent, clock);
    let lostAt: number | undefined;
    await a.run(() => (lostAt = clock.now()));
    const lastRenew = clock.now();
    store.down = true;
    await clock.advance(14_000);
    assert.ok(lostAt !== undefined, 'still leading after 14 s without renewing');
    assert.ok(lostAt - lastRenew <= 10_500, `stepped down after ${lostAt - lastRenew} ms (deadline 10 s)`);
    assert.ok(!a.isLeader);
  });

  it('steps down at once when a renewal finds another holder', async () => {
    const clock = new FakeClock();
    const { store, http } = leaseStore();
    const a = new LeaderElector(http, options('a'), silent, clock);
    let lost = false;
    await a.run(() => (lost = true));
    store.lease = {
      ...store.lease!,
      spec: { ...store.lease!.spec, holderIdentity: 'intruder', renewTime: new Date(clock.now()).toISOString() },
    };
    await clock.advance(2_100);
    assert.ok(lost && !a.isLeader);
  });
});
