import { strict as assert } from 'node:assert';
import { WorkQueue } from '../../../src/runtime/queue';

const tick = (ms = 5) => new Promise((r) => setTimeout(r, ms));

describe('WorkQueue', () => {
  it('runs a key once however often it was added while waiting', async () => {
    const runs: string[] = [];
    const q = new WorkQueue(
      async (k) => {
        runs.push(k);
        await tick();
      },
      { concurrency: 1 },
      () => undefined,
    );
    q.add('busy'); // takes the only worker, so the adds below wait in the queue
    q.add('a');
    q.add('b');
    q.add('a');
    q.add('a');
    await tick(50);
    assert.deepEqual(runs, ['busy', 'a', 'b']);
  });

  it('runs urgent keys (Pods changed) before normal ones (new objects), each lane in order', async () => {
    const runs: string[] = [];
    const q = new WorkQueue(
      async (k) => {
        runs.push(k);
        await tick();
      },
      { concurrency: 1 },
      () => undefined,
    );
    q.add('busy');
    q.add('new-1');
    q.add('new-2');
    q.add('ready-1', 'urgent');
    q.add('new-3');
    q.add('ready-2', 'urgent');
    await tick(80);
    assert.deepEqual(runs, ['busy', 'ready-1', 'ready-2', 'new-1', 'new-2', 'new-3']);
  });

  it('moves a waiting key to the urgent lane once, and runs it once', async () => {
    const runs: string[] = [];
    const q = new WorkQueue(
      async (k) => {
        runs.push(k);
        await tick();
      },
      { concurrency: 1 },
      () => undefined,
    );
    q.add('busy');
    q.add('a');
    q.add('b');
    q.add('b', 'urgent');
    q.add('b', 'urgent');
    q.add('b'); // already waiting, urgently: stays there
    assert.equal(q.depth, 2);
    await tick(60);
    assert.deepEqual(runs, ['busy', 'b', 'a']);
  });

  it('runs a key added urgently while it runs again, before the normal keys', async () => {
    const runs: string[] = [];
    const q = new WorkQueue(
      async (k) => {
        runs.push(k);
        if (runs.length === 1) q.add('a', 'urgent');
        await tick();
      },
      { concurrency: 1 },
      () => undefined,
    );
    q.add('a');
    q.add('b');
    await tick(60);
    assert.deepEqual(runs, ['a', 'a', 'b']);
  });

  it('never runs one key twice at once, and runs it again if it was added meanwhile', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    let runs = 0;
    const q = new WorkQueue(
      async () => {
        inFlight++;
        runs++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await tick(10);
        inFlight--;
      },
      { concurrency: 4 },
      () => undefined,
    );
    q.add('a');
    await tick(2);
    q.add('a');
    q.add('a');
    await tick(60);
    assert.equal(maxInFlight, 1);
    assert.equal(runs, 2);
  });

  it('bounds concurrency', async () => {
    let inFlight = 0;
    let max = 0;
    const q = new WorkQueue(
      async () => {
        inFlight++;
        max = Math.max(max, inFlight);
        await tick(10);
        inFlight--;
      },
      { concurrency: 3 },
      () => undefined,
    );
    for (let i = 0; i < 10; i++) q.add(`k${i}`);
    await tick(80);
    assert.equal(max, 3);
  });

  it('retries a failing key with doubling backoff', async () => {
    const delays: number[] = [];
    let n = 0;
    const q = new WorkQueue(
      async () => {
        if (++n < 4) throw new Error('boom');
      },
      { concurrency: 1, baseDelayMs: 5 },
      (_k, _e, ms) => delays.push(ms!),
    );
    q.add('a');
    await tick(120);
    assert.deepEqual(delays, [5, 10, 20]);
    assert.equal(n, 4);
  });

  it('finishes running work on shutdown and takes no more', async () => {
    let done = 0;
    const q = new WorkQueue(
      async () => {
        await tick(20);
        done++;
      },
      { concurrency: 2 },
      () => undefined,
    );
    q.add('a');
    q.add('b');
    q.add('c');
    await tick(2);
    await q.shutDown();
    assert.equal(done, 2);
    q.add('d');
    await tick(30);
    assert.equal(done, 2);
  });

  it('holds keys while paused and runs each once when started (workers wait for the caches)', async () => {
    const runs: string[] = [];
    const q = new WorkQueue(
      async (k) => void runs.push(k),
      { concurrency: 2, paused: true },
      () => undefined,
    );
    q.add('a');
    q.add('b');
    q.add('a');
    await tick(20);
    assert.deepEqual(runs, []);
    q.start();
    await tick(20);
    assert.deepEqual(runs, ['a', 'b']);
  });

  it("replaces a key's pending look with the one its next pass asks for, or drops it when that asks for none", async () => {
    const runs: string[] = [];
    // Each key's passes answer in turn: a first look, then a later one ('a') or none ('b').
    const answers: Record<string, Array<number | undefined>> = { a: [100, 300], b: [100, undefined] };
    const q = new WorkQueue(
      async (k) => {
        runs.push(k);
        return { requeueAfterMs: answers[k].shift() };
      },
      { concurrency: 1 },
      () => undefined,
    );
    q.add('a');
    q.add('b');
    await tick(5);
    q.add('a'); // an event: this pass's later look replaces the sooner one, not the other way round
    q.add('b');
    await tick(180);
    assert.deepEqual(runs, ['a', 'b', 'a', 'b']);
    await tick(250);
    assert.deepEqual(runs, ['a', 'b', 'a', 'b', 'a']);
  });

  it('keeps the pending look of a key whose pass failed, unless the error asks for a sooner one', async () => {
    const runs: string[] = [];
    const passes = new Map<string, number>();
    const q = new WorkQueue(
      async (k) => {
        const n = (passes.get(k) ?? 0) + 1;
        passes.set(k, n);
        runs.push(`${k}${n}`);
        if (n === 1) return { requeueAfterMs: k === 'a' ? 100 : 300 };
        if (n === 2) throw new Error(k);
        return {};
      },
      {
        concurrency: 1,
        retry: () => false,
        requeueAfterError: (err) => ((err as Error).message === 'b' ? 100 : undefined),
      },
      () => undefined,
    );
    q.add('a');
    q.add('b');
    await tick(5);
    q.add('a');
    q.add('b');
    await tick(180);
    assert.deepEqual(runs, ['a1', 'b1', 'a2', 'b2', 'a3', 'b3']);
    await tick(250);
    assert.equal(runs.length, 6, "b's first look went when its error asked for a sooner one");
  });
});
