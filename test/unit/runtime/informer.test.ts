import { strict as assert } from 'node:assert';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { Informer } from '../../../src/runtime/informer';
import { KubeHttp } from '../../../src/k8s/http';
import type { Logger } from '../../../src/obs/logger';

type Answer = (req: http.IncomingMessage, res: http.ServerResponse) => void;
const list =
  (rv: string): Answer =>
  (_req, res) =>
    res
      .writeHead(200, { 'Content-Type': 'application/json' })
      .end(JSON.stringify({ metadata: { resourceVersion: rv }, items: [] }));
const closeAtOnce: Answer = (_req, res) => res.writeHead(200).end();
/** As a server that is down: the connection drops without an answer. */
const unreachable: Answer = (req) => req.socket.destroy();
const stayOpen: Answer = (_req, res) => res.writeHead(200, { 'Content-Type': 'application/json' }).flushHeaders();
const busy: Answer = (_req, res) =>
  res
    .writeHead(429, { 'Retry-After': '1' })
    .end(JSON.stringify({ reason: 'TooManyRequests', message: 'storage is (re)initializing' }));
const gone: Answer = (_req, res) =>
  res
    .writeHead(200)
    .end(
      JSON.stringify({ type: 'ERROR', object: { code: 410, reason: 'Expired', message: 'too old resource version' } }) +
        '\n',
    );

/**
 * Runs an informer against a local server that answers lists with `onList` and the n-th watch
 * with watches[n] (the last one repeats), and records when each request came.
 */
async function scenario(
  watches: Answer[],
  ms: number,
  lists: Answer[] = [],
  healthyWatchMs?: number,
): Promise<{ lists: number[]; watches: number[]; logs: string[] }> {
  const seen = { lists: [] as number[], watches: [] as number[], logs: [] as string[] };
  const t0 = Date.now();
  const server = http.createServer((req, res) => {
    if (req.url!.includes('watch=1')) {
      seen.watches.push(Date.now() - t0);
      watches[Math.min(seen.watches.length - 1, watches.length - 1)](req, res);
    } else {
      seen.lists.push(Date.now() - t0);
      (lists[seen.lists.length - 1] ?? lists[lists.length - 1] ?? list(String(seen.lists.length)))(req, res);
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }],
    users: [{ name: 'u' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  const client = new KubeHttp(kc, { qps: 1000, burst: 1000 });
  const log: Logger = {
    debug() {},
    info: (m) => seen.logs.push(m),
    warn: (m) => seen.logs.push(m),
    error: (m) => seen.logs.push(m),
    child: () => log,
  } as Logger;
  const informer = new Informer({ http: client, path: '/api/v1/pods', log, onChange: () => undefined, healthyWatchMs });
  informer.start();
  await new Promise((r) => setTimeout(r, ms));
  informer.stop();
  client.close();
  server.closeAllConnections();
  server.close();
  return seen;
}

describe('Informer reconnects', () => {
  it('backs off a watch that the server closes as soon as it opens: 0.5 s, 1 s, 2 s…, never a storm', async () => {
    const { watches, lists } = await scenario([closeAtOnce], 2000);
    assert.equal(lists.length, 1, 'a closed watch resumes; it does not list again');
    const gaps = watches.slice(1).map((t, i) => t - watches[i]);
    // 0, 0.5 and 1.5 s; a slow machine may not reach the third. Without backoff: hundreds.
    assert.ok(watches.length >= 2 && watches.length <= 3, `watches at ${watches.join(', ')} ms`);
    assert.ok(gaps[0] >= 450 && (gaps.length < 2 || gaps[1] >= 950), `gaps ${gaps.join(', ')} ms`);
  });

  it('waits at least as long as a busy server asks (429, Retry-After: 1)', async () => {
    const { watches, logs } = await scenario([busy], 2300);
    const gaps = watches.slice(1).map((t, i) => t - watches[i]);
    // 0, 1 and 2 s; a doubling backoff would wait 0.5 s first, no backoff not at all.
    assert.ok(watches.length >= 2 && watches.length <= 3, `watches at ${watches.join(', ')} ms`);
    assert.ok(
      gaps.every((g) => g >= 950 && g < 1900),
      `gaps ${gaps.join(', ')} ms`,
    );
    assert.ok(logs.every((m) => m === 'API server busy, retrying when it asked'));
  });

  it('backs off a list that keeps failing after a healthy watch expired (410), never a list storm', async () => {
    const failing: Answer = (_req, res) =>
      res.writeHead(500).end(JSON.stringify({ reason: 'InternalError', message: 'etcd is away' }));
    const expired =
      JSON.stringify({ type: 'ERROR', object: { code: 410, reason: 'Expired', message: 'too old resource version' } }) +
      '\n';
    const healthyThenGone: Answer = (_req, res) => {
      res.writeHead(200);
      setTimeout(() => res.end(expired), 300);
    };
    const { lists } = await scenario([healthyThenGone], 2400, [list('1'), failing], 200);
    // listed at 0; watch healthy for 0.3 s, 410; lists again at once, then after 0.5 s and 1 s.
    const gaps = lists.slice(2).map((t, i) => t - lists[i + 1]);
    assert.ok(lists.length >= 3 && lists.length <= 4, `lists at ${lists.join(', ')} ms`);
    assert.ok(
      gaps.every((g, i) => g >= [450, 950][i]),
      `gaps ${gaps.join(', ')} ms`,
    );
  });

  it('lists again on 410 Gone (after a pause when it came straight after a list), then watches from the new list', async () => {
    const hang: Answer = (_req, res) => res.writeHead(200); // an open, quiet watch
    const { watches, lists, logs } = await scenario([gone, hang], 900);
    assert.equal(lists.length, 2);
    assert.equal(watches.length, 2);
    assert.ok(lists[1] - lists[0] >= 450, `lists at ${lists.join(', ')} ms`);
    assert.deepEqual(logs, ['watch expired, listing again', 'watch failed, retrying']);
  });

  it('starts its backoff afresh at the first answer after an outage: a server that is back waits its Retry-After, not 30 s', async () => {
    const { watches } = await scenario([unreachable, unreachable, unreachable, busy, stayOpen], 7000);
    // Unanswered: 0.5, 1, 2 s apart. Then the server answers 429 (Retry-After: 1): the next try
    // comes after about 1 s, where a backoff still growing from the outage would wait 4 s.
    assert.ok(watches.length >= 5, `watches at ${watches.join(', ')} ms`);
    const afterBusy = watches[4] - watches[3];
    assert.ok(
      afterBusy >= 950 && afterBusy < 2500,
      `${afterBusy} ms after the first answer (watches at ${watches.join(', ')})`,
    );
  });
});
