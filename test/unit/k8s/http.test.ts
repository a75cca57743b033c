import { strict as assert } from 'node:assert';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { ApiError } from '../../../src/k8s/api-error';
import { KubeHttp } from '../../../src/k8s/http';

/** A local HTTP server standing in for the network, so the client's own behaviour can be timed. */
async function withServer(
  fn: (client: (qps: number, burst: number) => KubeHttp, seen: string[]) => Promise<void>,
): Promise<void> {
  const seen: string[] = [];
  const server = http.createServer((req, res) => {
    seen.push(req.url!);
    if (req.url === '/slow') return; // answers never
    if (req.url === '/gone')
      res.writeHead(410).end(JSON.stringify({ reason: 'Expired', message: 'too old resource version' }));
    else res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }],
    users: [{ name: 'u' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  const clients: KubeHttp[] = [];
  try {
    await fn((qps, burst) => {
      const c = new KubeHttp(kc, { qps, burst });
      clients.push(c);
      return c;
    }, seen);
  } finally {
    clients.forEach((c) => c.close());
    server.close();
  }
}

describe('KubeHttp', () => {
  it('keeps to QPS after the burst', () =>
    withServer(async (client) => {
      const c = client(20, 2);
      const t0 = Date.now();
      await Promise.all(Array.from({ length: 6 }, (_, i) => c.request('GET', `/r${i}`)));
      const ms = Date.now() - t0;
      assert.ok(ms >= 190 && ms < 600, `6 requests at QPS 20, burst 2 took ${ms} ms (want about 200)`);
    }));

  it('is busy while requests wait for a token or over half the burst is spent, and calm once it refills', () =>
    withServer(async (client) => {
      const c = client(100, 4);
      assert.equal(c.busy, false, 'a full bucket');
      await c.request('GET', '/one');
      assert.equal(c.busy, false, '3 of 4 tokens left');
      const waiting = Promise.all(Array.from({ length: 6 }, (_, i) => c.request('GET', `/r${i}`)));
      assert.equal(c.busy, true, 'requests wait for tokens');
      await waiting;
      await new Promise((r) => setTimeout(r, 80)); // 8 tokens' worth of refill
      assert.equal(c.busy, false, 'refilled');
    }));

  it('sends low-priority requests (Events) only when no normal one waits', () =>
    withServer(async (client, seen) => {
      const c = client(50, 1);
      await Promise.all([
        c.request('POST', '/normal-1'),
        c.request('POST', '/event-1', {}, 'application/json', 'low'),
        c.request('POST', '/event-2', {}, 'application/json', 'low'),
        c.request('POST', '/normal-2'),
        c.request('POST', '/normal-3'),
      ]);
      assert.deepEqual(seen, ['/normal-1', '/normal-2', '/normal-3', '/event-1', '/event-2']);
    }));

  it('sends a high-priority request (a status) before every waiting normal one (Pod creates)', () =>
    withServer(async (client, seen) => {
      const c = client(50, 1);
      await Promise.all([
        c.request('POST', '/create-1'),
        c.request('POST', '/create-2'),
        c.request('POST', '/event', {}, 'application/json', 'low'),
        c.request('POST', '/create-3'),
        c.request('PATCH', '/status-1', {}, 'application/merge-patch+json', 'high'),
        c.request('PATCH', '/status-2', {}, 'application/merge-patch+json', 'high'),
      ]);
      // create-1 took the one token at once; the statuses then go first, in their order, and the Event last.
      assert.deepEqual(seen, ['/create-1', '/status-1', '/status-2', '/create-2', '/create-3', '/event']);
    }));

  it('still keeps to QPS when high-priority requests jump the line', () =>
    withServer(async (client) => {
      const c = client(20, 2);
      const t0 = Date.now();
      await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          c.request('POST', `/r${i}`, {}, 'application/json', i % 2 ? 'high' : 'normal'),
        ),
      );
      const ms = Date.now() - t0;
      assert.ok(ms >= 190 && ms < 600, `6 requests at QPS 20, burst 2 took ${ms} ms (want about 200)`);
    }));

  it('keeps half the burst for normal requests: an Event waits out a burst of work', () =>
    withServer(async (client, seen) => {
      const c = client(10, 4);
      const t0 = Date.now();
      await c.request('POST', '/event-at-rest', {}, 'application/json', 'low');
      assert.ok(Date.now() - t0 < 50, 'at rest an Event goes at once');
      await Promise.all([c.request('POST', '/n1'), c.request('POST', '/n2'), c.request('POST', '/n3')]);
      const t1 = Date.now();
      await c.request('POST', '/event-after-burst', {}, 'application/json', 'low');
      const waited = Date.now() - t1;
      assert.ok(
        waited >= 150,
        `after the burst the Event waited ${waited} ms for the bucket to refill past the reserve`,
      );
      assert.deepEqual(seen, ['/event-at-rest', '/n1', '/n2', '/n3', '/event-after-burst']);
    }));

  it('reads the credentials once, not per request, and again after a 401', async () => {
    const auth: string[] = [];
    const server = http.createServer((req, res) => {
      auth.push(req.headers.authorization ?? '');
      res.writeHead(req.url === '/expired' ? 401 : 200, { 'Content-Type': 'application/json' }).end('{}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'c', server: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }],
      users: [{ name: 'u', token: 'secret' }],
      contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
      currentContext: 'x',
    });
    let reads = 0;
    const apply = kc.applyToHTTPSOptions.bind(kc);
    kc.applyToHTTPSOptions = (opts) => (reads++, apply(opts));
    const c = new KubeHttp(kc, { qps: 1000, burst: 1000 });
    try {
      await Promise.all(Array.from({ length: 5 }, (_, i) => c.request('GET', `/r${i}`)));
      assert.equal(reads, 1);
      await assert.rejects(c.request('GET', '/expired'));
      await c.request('GET', '/after');
      assert.equal(reads, 2);
      assert.deepEqual(new Set(auth), new Set(['Bearer secret']));
    } finally {
      c.close();
      server.close();
    }
  });

  it('turns a non-2xx answer into an ApiError that says whether retrying helps', () =>
    withServer(async (client) => {
      await assert.rejects(
        client(10, 10).request('GET', '/gone'),
        (err: ApiError) =>
          err.status === 410 &&
          err.reason === 'Expired' &&
          !err.retryable &&
          /410 too old resource version/.test(err.message),
      );
    }));

  it('sends nothing once closed, even a request that was reading its credentials when close came', () =>
    withServer(async (client, seen) => {
      const c = client(10, 10);
      // A kubeconfig whose credentials take a while (an exec plugin, a token file): close() lands meanwhile.
      const kc = (c as unknown as { kc: KubeConfig }).kc;
      let release!: () => void;
      const reading = new Promise<void>((r) => (release = r));
      const original = kc.applyToHTTPSOptions.bind(kc);
      kc.applyToHTTPSOptions = async (opts) => {
        await reading;
        return original(opts);
      };
      const sent = c.request('DELETE', '/api/v1/namespaces/ns/pods/p');
      await new Promise((r) => setTimeout(r, 20));
      c.close();
      release();
      await assert.rejects(sent, (err: ApiError) => err.reason === 'Closed');
      kc.applyToHTTPSOptions = original;
      assert.deepEqual(seen, [], 'a deposed leader sent a write');
    }));

  it('cuts a request in flight when closed', () =>
    withServer(async (client, seen) => {
      const c = client(10, 10);
      const pending = c.request('GET', '/slow');
      while (!seen.includes('/slow')) await new Promise((r) => setTimeout(r, 5));
      c.close();
      await assert.rejects(pending, (err: ApiError) => err.status === 0);
    }));
});
