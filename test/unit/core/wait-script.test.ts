import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { WAIT_SCRIPT, waitEnv } from '../../../src/core/wait-script';

/** Runs the real script with sh, with `nc`, `wget`, `sleep` and `date` (a clock that stands still) replaced by stubs on PATH. */
function runWait(env: Array<{ name: string; value: string }>, answerOnTry: number) {
  const bin = mkdtempSync(path.join(os.tmpdir(), 'wait-'));
  const counter = path.join(bin, 'tries');
  const stub = `#!/bin/sh\nn=$(cat ${counter} 2>/dev/null || echo 0); n=$((n + 1)); echo $n > ${counter}\necho "$0 $*" >> ${bin}/calls\n[ $n -ge ${answerOnTry} ]\n`;
  for (const tool of ['nc', 'wget']) {
    writeFileSync(path.join(bin, tool), stub);
    chmodSync(path.join(bin, tool), 0o755);
  }
  writeFileSync(path.join(bin, 'sleep'), '#!/bin/sh\nexit 0\n');
  chmodSync(path.join(bin, 'sleep'), 0o755);
  writeFileSync(path.join(bin, 'date'), '#!/bin/sh\necho 1764000000\n');
  chmodSync(path.join(bin, 'date'), 0o755);
  const res = spawnSync('sh', ['-c', WAIT_SCRIPT], {
    env: { PATH: `${bin}:/usr/bin:/bin`, ...Object.fromEntries(env.map((e) => [e.name, e.value])) },
    encoding: 'utf8',
  });
  const calls = spawnSync('cat', [path.join(bin, 'calls')], { encoding: 'utf8' }).stdout;
  rmSync(bin, { recursive: true, force: true });
  return { code: res.status, out: res.stdout, calls };
}

describe('the waitFor script', () => {
  it('checks a TCP target with nc until it answers, one line per try', () => {
    const r = runWait(waitEnv({ tcp: { host: 'db', port: 5432 }, timeoutSeconds: 300, periodSeconds: 2 }), 3);
    assert.equal(r.code, 0);
    assert.match(r.out, /^try 1: db:5432 not answering yet \(0s of 300s\)\ntry 2: .*\ndb:5432 answered after 3 tries/);
    assert.match(r.calls, /nc -z -w 2 db 5432/);
  });

  it('checks an HTTP target with wget', () => {
    const r = runWait(waitEnv({ http: { url: 'http://api:8080/healthz' }, timeoutSeconds: 300, periodSeconds: 1 }), 1);
    assert.equal(r.code, 0);
    assert.match(r.calls, /wget -q -T 1 -O \/dev\/null http:\/\/api:8080\/healthz/);
  });

  it('gives up after timeoutSeconds with a line that says so, and exits non-zero', () => {
    const r = runWait(waitEnv({ tcp: { host: 'db', port: 5432 }, timeoutSeconds: 0, periodSeconds: 1 }), 99);
    assert.equal(r.code, 1);
    assert.match(r.out, /gave up: db:5432 did not answer within 0s \(1 tries\)\n$/);
  });

  it('never runs what a target contains', () => {
    const r = runWait(
      waitEnv({ http: { url: 'http://x/$(touch /tmp/pwned)`id`' }, timeoutSeconds: 300, periodSeconds: 1 }),
      1,
    );
    assert.equal(r.code, 0);
    assert.match(r.calls, /wget .* http:\/\/x\/\$\(touch \/tmp\/pwned\)`id`/);
  });
});
