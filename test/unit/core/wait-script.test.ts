import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type { AddressInfo } from 'node:net';
import { WAIT_SCRIPT, waitEnv } from '../../../src/core/wait-script';
import type { WaitFor } from '../../../src/api/spec';

/**
 * The script runs on a real busybox (Debian's static build: no `nc -z`, and `wget -T` crashes),
 * with nothing else on PATH, against servers on loopback: what a waitFor step does in a Pod.
 */
const BUSYBOX = ['/bin/busybox', '/usr/bin/busybox'].find(existsSync);

/** runWait runs the script; `stubs` replace busybox applets with scripts of the test's. */
async function runWait(
  w: WaitFor,
  stubs: Record<string, string> = {},
): Promise<{ code: number | null; out: string; seconds: number; calls: string }> {
  if (!BUSYBOX)
    throw new Error('busybox is not installed: run hack/tools/node/install-packages.sh (Debian busybox-static)');
  const bin = mkdtempSync(path.join(os.tmpdir(), 'wait-'));
  for (const applet of ['sh', 'nc', 'wget', 'timeout', 'date', 'sleep', 'tail', 'grep', 'dirname'])
    if (!stubs[applet]) symlinkSync(BUSYBOX, path.join(bin, applet));
  for (const [name, script] of Object.entries(stubs)) writeFileSync(path.join(bin, name), script, { mode: 0o755 });
  const t0 = Date.now();
  // Busybox's own sh runs its applets before PATH; stubs need a shell that looks them up.
  const shell = Object.keys(stubs).length ? '/bin/sh' : path.join(bin, 'sh');
  const child = spawn(shell, ['-c', WAIT_SCRIPT], {
    env: { PATH: bin, ...Object.fromEntries(waitEnv(w).map((e) => [e.name, e.value])) },
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const calls = existsSync(path.join(bin, 'calls')) ? readFileSync(path.join(bin, 'calls'), 'utf8') : '';
  rmSync(bin, { recursive: true, force: true });
  return { code, out, seconds: (Date.now() - t0) / 1000, calls };
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
    // It keeps its side open after ours closes, as a database waiting for a login does.
    const silent = net.createServer({ allowHalfOpen: true }, () => {});
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

  it("uses nc -z where nc offers it (the busybox image's own build)", async () => {
    // An nc whose usage offers -z; `timeout` records what it was asked to run (busybox's own
    // timeout would run its built-in nc, whatever is on PATH).
    const nc = `#!/bin/sh\necho 'Usage: nc [OPTIONS] HOST PORT  -z Zero-I/O mode' >&2\nexit 1\n`;
    const timeout = `#!/bin/sh\necho "$*" >> "$(dirname "$0")/calls"\n`;
    const r = await runWait({ tcp: { host: 'db', port: 5432 }, timeoutSeconds: 10, periodSeconds: 2 }, { nc, timeout });
    assert.equal(r.code, 0, r.out);
    assert.equal(r.calls.trim(), '2 nc -z -w 2 db 5432');
  });

  it('does not depend on the options busybox builds differ on', () => {
    assert.doesNotMatch(WAIT_SCRIPT, /wget[^\n]* -T/);
    assert.match(WAIT_SCRIPT, /nc 2>&1 \| grep -q -- ' -z' && zero=1/, 'nc -z only where nc offers it');
  });
});
