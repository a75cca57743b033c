import { strict as assert } from 'node:assert';
import type { V1Pod } from '@kubernetes/client-node';
import type { AppStatus, AppWithHelpers } from '../../../src/api/status';
import { Expectations } from '../../../src/controller/expectations';
import { LastWritten } from '../../../src/controller/last-written';
import { StatusWriteError, TransientError, type PermanentError } from '../../../src/controller/errors';
import { reconcile, type ReconcileDeps, type Writer } from '../../../src/controller/reconcile';
import { BUSY_STATUS_HOLD_MS, STATUS_HOLD_MS } from '../../../src/controller/status-write';
import { ApiError } from '../../../src/k8s/api-error';
import { anApp, aPod, NOW, options } from '../../fixtures';

/** A Writer that records every call, as sample-controller's fixture records actions. */
class RecordingWriter implements Writer {
  calls: string[] = [];
  statuses: AppStatus[] = [];
  failCreate?: ApiError;
  failDelete?: ApiError;
  failStatus?: ApiError;
  /** Fails only the next this many status writes. */
  failStatusTimes = 0;
  createAnswer: 'created' | 'exists' | 'taken' = 'created';
  async createPod(pod: V1Pod) {
    this.calls.push(`create pod ${pod.metadata!.name}`);
    if (this.failCreate) throw this.failCreate;
    return this.createAnswer;
  }
  async deletePod(_ns: string, name: string) {
    this.calls.push(`delete pod ${name}`);
    if (this.failDelete) throw this.failDelete;
  }
  async patchStatus(_app: AppWithHelpers, status: AppStatus) {
    this.calls.push('patch status');
    if (this.failStatus && this.failStatusTimes-- > 0) throw this.failStatus;
    this.statuses.push(status);
    return String(100 + this.statuses.length);
  }
  async recordEvent(_app: AppWithHelpers, type: string, reason: string) {
    this.calls.push(`event ${type} ${reason}`);
  }
}

const silent = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child() {
    return silent;
  },
};

function deps(
  app: AppWithHelpers | undefined,
  pods: V1Pod[],
  writer: RecordingWriter,
  expectations = new Expectations(),
  now = NOW,
  heldSince = new Map<string, number>(),
  lastWritten = new LastWritten(),
): ReconcileDeps {
  return {
    getApp: () => app,
    podsOf: () => pods,
    writer,
    expectations,
    lastWritten,
    render: options,
    log: silent,
    now: () => now,
    heldSince,
  };
}

/** The outcome of a pass, for the tests that look at nothing else. */
async function outcomeOf(key: string, d: ReconcileDeps): Promise<string> {
  return (await reconcile(key, d)).outcome;
}

describe('reconcile', () => {
  const app = anApp().withStep('migrate').withSidecar('log');

  /** The app after its first pass (its first status stored) and its Pod starting: statuses in flux from here. */
  async function startingApp() {
    const created = new RecordingWriter();
    await reconcile('ns/shop', deps(app.object(), [aPod(app).created().build()], created));
    return { stored: app.object(created.statuses[0]), starting: [aPod(app).initDone(0).build()] };
  }

  it('creates the missing Pod and writes the first status at once, beside the create: kstatus reads no status as Current', async () => {
    const w = new RecordingWriter();
    const { outcome, requeueAfterMs } = await reconcile('ns/shop', deps(app.object(), [], w));
    assert.equal(outcome, 'updated');
    assert.deepEqual(w.calls, [
      'patch status',
      `create pod shop-${app.template().hash.slice(0, 5)}-0`,
      'event Normal PodCreated',
    ]);
    const reconciling = w.statuses[0].conditions!.find((c) => c.type === 'Reconciling')!;
    assert.deepEqual([reconciling.status, reconciling.observedGeneration], ['True', 1]);
    assert.equal(requeueAfterMs, 600_050, 'looked at again when the progress deadline passes');
  });

  it('asks for no later look once none is needed (a rollout complete, the object gone)', async () => {
    const first = new RecordingWriter();
    await reconcile('ns/shop', deps(app.object(), [], first));
    for (const [object, outcome] of [
      [app.object(first.statuses[0]), 'updated'],
      [undefined, 'deleted'],
    ] as const) {
      const result = await reconcile('ns/shop', deps(object, [aPod(app).ready().build()], new RecordingWriter()));
      assert.equal(result.outcome, outcome);
      assert.equal(result.requeueAfterMs, undefined, `${outcome}: the queue drops the look an earlier pass asked for`);
    }
  });

  it('asks for the earliest look it knows of, which replaces the one before: the deadline, a held status, none once stalled', async () => {
    // The key's pending look as WorkQueue keeps it: each pass's answer replaces the one before.
    const looks = new Map<string, number>();
    const pass = async (d: ReconcileDeps) => {
      const { outcome, requeueAfterMs } = await reconcile('ns/shop', d);
      if (requeueAfterMs === undefined) looks.delete('ns/shop');
      else looks.set('ns/shop', d.now().getTime() + requeueAfterMs);
      return outcome;
    };
    const pending = [aPod(app).created().build()];
    const created = new RecordingWriter();
    assert.equal(await pass(deps(app.object(), pending, created)), 'updated');
    assert.equal(looks.get('ns/shop'), NOW.getTime() + 600_050, 'the progress deadline');
    // A held in-flux status comes back before the deadline.
    const starting = [aPod(app).initDone(0).build()];
    const heldSince = new Map<string, number>();
    const stored = app.object(created.statuses[0]);
    assert.equal(await pass(deps(stored, starting, new RecordingWriter(), undefined, NOW, heldSince)), 'held');
    assert.equal(looks.get('ns/shop'), NOW.getTime() + STATUS_HOLD_MS, 'the held status comes back');
    // Written once the hold is over: the progress deadline, later, replaces the held look.
    const afterHold = new Date(NOW.getTime() + STATUS_HOLD_MS);
    assert.equal(await pass(deps(stored, starting, new RecordingWriter(), undefined, afterHold, heldSince)), 'updated');
    assert.equal(looks.get('ns/shop'), NOW.getTime() + 600_050, 'the progress deadline again');
    // No progress for progressDeadlineSeconds: Stalled is written at once, with nothing left to look at later.
    const later = new Date(NOW.getTime() + 601_000);
    const stalled = new RecordingWriter();
    assert.equal(await pass(deps(stored, pending, stalled, undefined, later)), 'updated');
    assert.equal(stalled.statuses[0].conditions!.find((c) => c.type === 'Stalled')!.status, 'True');
    assert.equal(looks.has('ns/shop'), false, 'no look left behind');
  });

  it("leaves later statuses of a creating pass to the Pods' own events", async () => {
    const first = new RecordingWriter();
    await reconcile('ns/shop', deps(app.object(), [], first));
    const w = new RecordingWriter();
    const two = anApp().withStep('migrate').withSidecar('log').with({ replicas: 2 });
    await reconcile('ns/shop', deps(two.object(first.statuses[0]), [aPod(two).created().build()], w));
    assert.deepEqual(w.calls, [`create pod shop-${two.template().hash.slice(0, 5)}-1`, 'event Normal PodCreated']);
  });

  it('takes a status write answered 404 as the object deleted meanwhile, not as a failure', async () => {
    const settled = new RecordingWriter();
    await reconcile('ns/shop', deps(app.object(), [aPod(app).ready().build()], settled));
    const w = new RecordingWriter();
    w.failStatus = new ApiError(404, 'NotFound', 'appwithhelpers.helpers.dev "shop" not found');
    w.failStatusTimes = Infinity;
    assert.equal(
      await outcomeOf('ns/shop', deps(app.object(settled.statuses[0]), [aPod(app).initDone(1).build()], w)),
      'deleted',
    );
  });

  describe('a first status write that fails beside the creates', () => {
    const created = `create pod shop-${app.template().hash.slice(0, 5)}-0`;
    for (const row of [
      {
        what: 'once: sent again after the PodCreated Event, in the same pass',
        times: 1,
        calls: ['patch status', created, 'event Normal PodCreated', 'patch status'],
        outcome: 'updated',
      },
      {
        what: 'again: the PodCreated Event still goes out before the error makes the queue retry',
        times: 2,
        calls: ['patch status', created, 'event Normal PodCreated', 'patch status'],
        outcome: 'throws',
      },
    ])
      it(row.what, async () => {
        const w = new RecordingWriter();
        w.failStatus = new ApiError(500, 'InternalError', 'etcdserver: request timed out');
        w.failStatusTimes = row.times;
        const run = reconcile('ns/shop', deps(app.object(), [], w));
        if (row.outcome === 'throws') await assert.rejects(run, /etcdserver/);
        else assert.equal((await run).outcome, row.outcome);
        assert.deepEqual(w.calls, row.calls);
      });
  });

  it('writes at once the first change after a settled status', async () => {
    const settled = new RecordingWriter();
    await reconcile('ns/shop', deps(app.object(), [aPod(app).ready().build()], settled));
    const w = new RecordingWriter();
    assert.equal(
      await outcomeOf('ns/shop', deps(app.object(settled.statuses[0]), [aPod(app).initDone(1).build()], w)),
      'updated',
    );
    assert.deepEqual(w.calls, ['patch status']);
  });

  it('holds an in-flux status back for STATUS_HOLD_MS, then writes it; Ready goes at once', async () => {
    const heldSince = new Map<string, number>();
    const { stored, starting } = await startingApp();
    const first = new RecordingWriter();
    assert.deepEqual(await reconcile('ns/shop', deps(stored, starting, first, undefined, NOW, heldSince)), {
      outcome: 'held',
      requeueAfterMs: STATUS_HOLD_MS,
    });
    assert.deepEqual(first.calls, []);
    const later = new RecordingWriter();
    await reconcile(
      'ns/shop',
      deps(stored, starting, later, undefined, new Date(NOW.getTime() + STATUS_HOLD_MS), heldSince),
    );
    assert.deepEqual(later.calls, ['patch status']);
    const ready = new RecordingWriter();
    await reconcile(
      'ns/shop',
      deps(
        app.object(later.statuses[0]),
        [aPod(app).ready().build()],
        ready,
        undefined,
        new Date(NOW.getTime() + STATUS_HOLD_MS + 1),
        heldSince,
      ),
    );
    assert.deepEqual(ready.calls, ['patch status']);
  });

  it('holds an in-flux status longer while the operator is busy, and writes it once it is not', async () => {
    const heldSince = new Map<string, number>();
    const { stored, starting } = await startingApp();
    const at = (ms: number, busy: boolean) => {
      const w = new RecordingWriter();
      const d = deps(stored, starting, w, undefined, new Date(NOW.getTime() + ms), heldSince);
      d.busy = () => busy;
      return { w, d };
    };
    const first = at(0, true);
    assert.deepEqual(await reconcile('ns/shop', first.d), { outcome: 'held', requeueAfterMs: BUSY_STATUS_HOLD_MS });
    const stillBusy = at(STATUS_HOLD_MS, true);
    assert.equal(await outcomeOf('ns/shop', stillBusy.d), 'held');
    assert.deepEqual(stillBusy.w.calls, []);
    const calm = at(STATUS_HOLD_MS, false);
    assert.equal(await outcomeOf('ns/shop', calm.d), 'updated');
    assert.deepEqual(calm.w.calls, ['patch status']);
  });

  it('makes no call at all when nothing changed', async () => {
    const pods = [aPod(app).ready().build()];
    const first = new RecordingWriter();
    await reconcile('ns/shop', deps(app.object(), pods, first));
    const w = new RecordingWriter();
    assert.equal(await outcomeOf('ns/shop', deps(app.object(first.statuses[0]), pods, w)), 'unchanged');
    assert.deepEqual(w.calls, []);
  });

  it('does not plan again while its own creates are not in the cache yet, unless they time out', async () => {
    const expectations = new Expectations(300_000, () => NOW.getTime());
    await reconcile('ns/shop', deps(app.object(), [], new RecordingWriter(), expectations));
    const w = new RecordingWriter();
    assert.deepEqual(await reconcile('ns/shop', deps(app.object(), [], w, expectations)), {
      outcome: 'waiting',
      requeueAfterMs: 300_050,
    });
    assert.ok(!w.calls.some((c) => c.startsWith('create')), w.calls.join(', '));
  });

  it('writes no status while its own Pod writes are not in the cache: a replaced failing Pod does not read as "nothing is failing"', async () => {
    const budget = anApp().withStep('migrate', { retries: 3 });
    const expectations = new Expectations();
    const failed = aPod(budget).stepFailed('migrate').build();
    const replace = new RecordingWriter();
    await reconcile('ns/shop', deps(budget.object(), [failed], replace, expectations));
    assert.ok(
      replace.calls.some((c) => c.startsWith('create pod')),
      replace.calls.join(', '),
    );
    const degraded = (st: AppStatus) => st.conditions!.find((c) => c.type === 'Degraded')!;
    const stored = replace.statuses.at(-1)!;
    assert.equal(degraded(stored).status, 'True');
    // The failed Pod is gone from the cache, its replacement not there yet.
    const between = new RecordingWriter();
    assert.equal(await outcomeOf('ns/shop', deps(budget.object(stored), [], between, expectations)), 'waiting');
    assert.deepEqual(between.calls, [], 'no status and no Event from a cache that lags its own writes');
  });

  it('leaves Pods alone on an invalid spec, and says why once', async () => {
    const bad = anApp().with({ app: { name: 'web' } as never });
    const pods = [aPod(app).ready().build()];
    const w = new RecordingWriter();
    assert.equal(await outcomeOf('ns/shop', deps(bad.object(), pods, w)), 'invalid');
    assert.deepEqual(w.calls, ['event Warning InvalidSpec', 'patch status']);
    const again = new RecordingWriter();
    await reconcile('ns/shop', deps(bad.object(w.statuses[0]), pods, again));
    assert.deepEqual(again.calls, []);
  });

  it('turns a refused create into a Degraded condition and an Event, without retrying a permanent refusal', async () => {
    const w = new RecordingWriter();
    w.failCreate = new ApiError(
      403,
      'Forbidden',
      'pods "shop-x-0" is forbidden: violates PodSecurity "restricted:latest"',
    );
    // Not retried, yet the progress deadline it knew of still brings it back.
    await assert.rejects(
      reconcile('ns/shop', deps(app.object(), [], w)),
      (err: PermanentError) => err.constructor.name === 'PermanentError' && err.requeueAfterMs === 600_050,
    );
    // The first status went out beside the create; the refusal is written right after it.
    assert.deepEqual(w.calls, [
      'patch status',
      `create pod shop-${app.template().hash.slice(0, 5)}-0`,
      'event Warning FailedCreate',
      'patch status',
    ]);
    assert.match(w.statuses[1].conditions!.find((c) => c.type === 'Degraded')!.message, /violates PodSecurity/);
  });

  it('does nothing for a deleted AppWithHelpers: the garbage collector removes its Pods', async () => {
    const w = new RecordingWriter();
    assert.equal(await outcomeOf('ns/shop', deps(undefined, [aPod(app).ready().build()], w)), 'deleted');
    assert.deepEqual(w.calls, []);
  });

  it('ignores Pods it does not control', async () => {
    const stranger = aPod(app).ready().build();
    stranger.metadata!.ownerReferences = [
      { apiVersion: 'v1', kind: 'Other', name: 'x', uid: 'other', controller: true },
    ];
    const w = new RecordingWriter();
    await reconcile('ns/shop', deps(app.object(), [stranger], w));
    assert.ok(w.calls[1].startsWith('create pod'), 'a Pod of its own is created; the stranger is not touched');
    assert.ok(!w.calls.some((c) => c.startsWith('delete')));
  });

  it('releases every action it did not send when a delete fails, so the next pass tries again at once', async () => {
    const expectations = new Expectations();
    const failed = aPod(app).build();
    failed.status = { ...failed.status, phase: 'Failed' };
    const w = new RecordingWriter();
    w.failDelete = new ApiError(500, 'InternalError', 'etcdserver: request timed out');
    await assert.rejects(reconcile('ns/shop', deps(app.object(), [failed], w, expectations)), TransientError);
    assert.ok(expectations.satisfied('ns/shop'), 'the unsent create (and the failed delete) still wait');
    assert.match(w.statuses.at(-1)!.conditions!.find((c) => c.type === 'Degraded')!.reason, /FailedDelete/);
    const again = new RecordingWriter();
    await reconcile('ns/shop', deps(app.object(w.statuses.at(-1)), [failed], again, expectations));
    assert.equal(again.calls[0], `delete pod ${failed.metadata!.name}`);
  });

  it('takes an AlreadyExists of its own Pod, not yet in the cache, as done: no FailedCreate', async () => {
    const w = new RecordingWriter();
    w.createAnswer = 'exists';
    assert.equal(await outcomeOf('ns/shop', deps(app.object(), [], w)), 'updated');
    assert.ok(!w.calls.some((c) => c.startsWith('event Warning')), w.calls.join(', '));
  });

  it('says so when the name is taken by a Pod it does not control', async () => {
    const w = new RecordingWriter();
    w.createAnswer = 'taken';
    await assert.rejects(reconcile('ns/shop', deps(app.object(), [], w)), TransientError);
    assert.ok(w.calls.includes('event Warning FailedCreate'), w.calls.join(', '));
    assert.match(
      w.statuses.at(-1)!.conditions!.find((c) => c.type === 'Degraded')!.message,
      /already exists and is not controlled by this AppWithHelpers/,
    );
  });

  it('compares with the status it last wrote while the cache lags behind it: no second patch, no second Warning', async () => {
    const lastWritten = new LastWritten();
    const bad = anApp().with({ app: { name: 'web' } as never });
    const pods = [aPod(app).ready().build()];
    const first = new RecordingWriter();
    await reconcile('ns/shop', deps(bad.object(), pods, first, undefined, NOW, undefined, lastWritten));
    assert.deepEqual(first.calls, ['event Warning InvalidSpec', 'patch status']);
    // A Pod event brings the key back before the informer has shown the write: the cache has no status yet.
    const again = new RecordingWriter();
    await reconcile('ns/shop', deps(bad.object(), pods, again, undefined, NOW, undefined, lastWritten));
    assert.deepEqual(again.calls, []);
  });

  it('warns once when an optional sidecar starts failing, without a Degraded Warning, and not again while it loops', async () => {
    const withOptional = anApp().withSidecar('log', { optional: true });
    const crashing = (restarts: number) => {
      const pod = aPod(withOptional).ready().build();
      pod.status!.conditions = pod.status!.conditions!.map((c) => (c.type === 'Ready' ? { ...c, status: 'False' } : c));
      pod.status!.initContainerStatuses![0] = {
        ...pod.status!.initContainerStatuses![0],
        ready: false,
        restartCount: restarts,
        lastState: { terminated: { exitCode: 1, reason: 'Error' } },
        state: { waiting: { reason: 'CrashLoopBackOff' } },
      };
      return [pod];
    };
    const lastWritten = new LastWritten();
    const first = new RecordingWriter();
    await reconcile('ns/shop', deps(withOptional.object(), crashing(1), first, undefined, NOW, undefined, lastWritten));
    assert.deepEqual(first.calls, ['event Warning OptionalSidecarCrashLooping', 'patch status']);
    const again = new RecordingWriter();
    await reconcile('ns/shop', deps(withOptional.object(), crashing(4), again, undefined, NOW, undefined, lastWritten));
    assert.deepEqual(again.calls, ['patch status'], 'the restart count changed; no second Warning');
  });

  it('does not come back every 50 ms once an app held back only by an optional sidecar is past its deadline', async () => {
    const withOptional = anApp().withSidecar('log', { optional: true });
    const pod = aPod(withOptional).ready().build();
    pod.status!.conditions = pod.status!.conditions!.map((c) => (c.type === 'Ready' ? { ...c, status: 'False' } : c));
    pod.status!.initContainerStatuses![0] = {
      ...pod.status!.initContainerStatuses![0],
      ready: false,
      restartCount: 3,
      lastState: { terminated: { exitCode: 1, reason: 'Error' } },
      state: { waiting: { reason: 'CrashLoopBackOff' } },
    };
    const first = new RecordingWriter();
    await reconcile('ns/shop', deps(withOptional.object(), [pod], first));
    const late = new RecordingWriter();
    const d = deps(withOptional.object(first.statuses[0]), [pod], late, undefined, new Date(NOW.getTime() + 700_000));
    const { outcome, requeueAfterMs } = await reconcile('ns/shop', d);
    assert.equal(outcome, 'unchanged');
    assert.equal(requeueAfterMs, undefined);
  });

  it('writes at once the status of an optional sidecar starting to fail: a held one would warn again next pass', async () => {
    const withOptional = anApp().withSidecar('log', { optional: true });
    const lastWritten = new LastWritten();
    const heldSince = new Map<string, number>();
    const starting = [aPod(withOptional).initDone(0).build()];
    await reconcile(
      'ns/shop',
      deps(withOptional.object(), starting, new RecordingWriter(), undefined, NOW, heldSince, lastWritten),
    );
    const failing = aPod(withOptional).initDone(0).build();
    failing.status!.initContainerStatuses![0] = {
      ...failing.status!.initContainerStatuses![0],
      restartCount: 1,
      lastState: { terminated: { exitCode: 1, reason: 'Error' } },
      state: { waiting: { reason: 'CrashLoopBackOff' } },
    };
    const soon = new Date(NOW.getTime() + 10);
    const w = new RecordingWriter();
    await reconcile('ns/shop', deps(withOptional.object(), [failing], w, undefined, soon, heldSince, lastWritten));
    assert.deepEqual(w.calls, ['event Warning OptionalSidecarCrashLooping', 'patch status']);
    const again = new RecordingWriter();
    await reconcile('ns/shop', deps(withOptional.object(), [failing], again, undefined, soon, heldSince, lastWritten));
    assert.deepEqual(again.calls, []);
  });

  describe('init step attempts', () => {
    it('replaces a Pod whose step ran past timeoutSeconds, and writes the failure in that same pass', async () => {
      const slow = anApp().withStep('migrate', { timeoutSeconds: 30 });
      const h = slow.template().hash.slice(0, 5);
      const before = new RecordingWriter();
      const pass = await reconcile(
        'ns/shop',
        deps(slow.object(), [aPod(slow).stepRunningFor('migrate', 10).build()], before),
      );
      assert.equal(
        pass.requeueAfterMs,
        20_050,
        'looked at again when the step times out, before the progress deadline',
      );
      // A failed status write keeps that look: the queue's error backoff could be minutes.
      const failing = new RecordingWriter();
      failing.failStatus = new ApiError(500, 'InternalError', 'etcdserver: request timed out');
      failing.failStatusTimes = Infinity;
      await assert.rejects(
        reconcile('ns/shop', deps(slow.object(), [aPod(slow).stepRunningFor('migrate', 10).build()], failing)),
        (err: unknown) => err instanceof StatusWriteError && err.requeueAfterMs === 20_050,
      );
      const w = new RecordingWriter();
      const pod = aPod(slow).stepRunningFor('migrate', 30).build();
      await reconcile('ns/shop', deps(slow.object(before.statuses.at(-1)), [pod], w));
      // The timed-out Pod may be gone by the next pass: its failure is written now, not left to later events.
      assert.deepEqual(w.calls, [
        `delete pod shop-${h}-0`,
        `create pod shop-${h}-0-1`,
        'event Normal PodDeleted',
        'event Normal PodReplaced',
        'event Warning StepTimedOut',
        'patch status',
      ]);
      assert.equal(w.statuses[0].initSteps![0].lastFailure?.reason, 'StepTimedOut');
    });

    it('keeps the last Pod once retries are used up: no call but the status', async () => {
      const budget = anApp().withStep('migrate', { retries: 0 });
      const w = new RecordingWriter();
      await reconcile('ns/shop', deps(budget.object(), [aPod(budget).stepFailed('migrate').build()], w));
      assert.deepEqual(w.calls, ['event Warning InitStepRetriesExhausted', 'patch status']);
    });
  });
});
