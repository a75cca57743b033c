import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type { AddressInfo } from 'node:net';
import { WAIT_SCRIPT, waitEnv } from '../../../src/core/wait-script';
import type { WaitFor } from '../../../src/api/schema';

/**
 * The script runs on a real busybox (Debian's static build: no `nc -z`, and `wget -T` crashes),
 * with nothing else on PATH, against servers on loopback: what a waitFor step does in a Pod.
 */
const BUSYBOX = ['/bin/busybox', '/usr/bin/busybox'].find(existsSync);

async function runWait(w: WaitFor): Promise<{ code: number | null; out: string; seconds: number }> {
  if (!BUSYBOX) throw new Error('busybox is not installed: run test/tools/install-packages.sh (Debian busybox-static)');
  const bin = mkdtempSync(path.join(os.tmpdir(), 'wait-'));
  for (const applet of ['sh', 'nc', 'wget', 'timeout', 'date', 'sleep', 'tail'])
    symlinkSync(BUSYBOX, path.join(bin, applet));
  const t0 = Date.now();
  const child = spawn(path.join(bin, 'sh'), ['-c', WAIT_SCRIPT], {
    env: { PATH: bin, ...Object.fromEntries(waitEnv(w).map((e) => [e.name, e.value])) },
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  rmSync(bin, { recursive: true, force: true });
  return { code, out, seconds: (Date.now() - t0) / 1000 };
}

const listen = (server: net.Server, port = 0) =>
  new Promise<number>((resolve) =>
    server.listen(port, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
  );
const close = (server: net.Server) => new Promise((resolve) => server.close(resolve));

describe('the waitFor script, on a real busybox', function () {
  this.timeout(30_000);

  it('waits for a TCP port that opens later, printing why each try failed', async () => {
    const probe = net.createServer();
    const port = await listen(probe);
    await close(probe); // a free port, closed for now
    const later = net.createServer((s) => s.end());
    const opening = setTimeout(() => void listen(later, port), 2500);
    const r = await runWait({ tcp: { host: '127.0.0.1', port }, timeoutSeconds: 30, periodSeconds: 1 });
    clearTimeout(opening);
    await close(later);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /^try 1: 127\.0\.0\.1:\d+ not answering yet \(\d+s of 30s\): nc: .*Connection refused$/m);
    assert.match(r.out, /127\.0\.0\.1:\d+ answered after \d+ tries/);
  });

  it('takes a server that accepts and stays silent (a database) as answering', async () => {
    const silent = net.createServer(() => {});
    const port = await listen(silent);
    const r = await runWait({ tcp: { host: '127.0.0.1', port }, timeoutSeconds: 10, periodSeconds: 2 });
    silent.close();
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /answered after 1 tries/);
  });

  describe('http', () => {
    let server: http.Server;
    let base: string;
    let calls = 0;
    before(async () => {
      server = http.createServer((req, res) => {
        calls++;
        if (req.url === '/hang') return; // accepts, never answers
        if (req.url === '/moved') res.writeHead(302, { location: '/ready' }).end();
        else if (req.url === '/ready' && calls > 2) res.writeHead(200).end('ok');
        else res.writeHead(503).end('starting');
      });
      base = `http://127.0.0.1:${await listen(server)}`;
    });
    after(() => {
      server.closeAllConnections();
      server.close();
    });

    it('waits for a 2xx, printing the HTTP status of each failed try', async () => {
      calls = 0;
      const r = await runWait({ http: { url: `${base}/ready` }, timeoutSeconds: 30, periodSeconds: 1 });
      assert.equal(r.code, 0, r.out);
      assert.match(r.out, /try 1: .* not answering yet .*: wget: server returned error: HTTP\/1\.1 503/);
    });

    it('follows a redirect: the answer at its end decides', async () => {
      calls = 10;
      const r = await runWait({ http: { url: `${base}/moved` }, timeoutSeconds: 10, periodSeconds: 1 });
      assert.equal(r.code, 0, r.out);
    });

    it('gives up at timeoutSeconds even when each try hangs, saying so', async () => {
      const r = await runWait({ http: { url: `${base}/hang` }, timeoutSeconds: 3, periodSeconds: 2 });
      assert.equal(r.code, 1, r.out);
      assert.match(
        r.out,
        /gave up: http:\/\/127\.0\.0\.1:\d+\/hang did not answer within 3s \(\d tries; last: no answer within [12]s\)\n$/,
      );
      // A try is capped at the time left: the step ends about when it should, not a period or two late.
      assert.ok(r.seconds < 3 + 1.9, `took ${r.seconds}s for a 3s timeout`);
    });

    it('never runs what a target contains', async () => {
      const marker = path.join(os.tmpdir(), `pwned-${process.pid}`);
      const r = await runWait({
        http: { url: `${base}/x$(touch ${marker})\`touch ${marker}\`` },
        timeoutSeconds: 1,
        periodSeconds: 1,
      });
      assert.equal(r.code, 1);
      assert.ok(!existsSync(marker), 'the URL was run as shell');
    });
  });

  it('uses none of the options busybox builds differ on', () => {
    assert.doesNotMatch(WAIT_SCRIPT, /nc[^\n]* -z|wget[^\n]* -T/);
  });
});
