import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';

const root = path.join(__dirname, '../..');

/** run loads the stand-ins in a fresh process (this one has the whole package loaded already) and runs `script` there. */
function run(script: string): Record<string, unknown> {
  const prelude = `
    require('./src/lean-dependencies');
    const loaded = (part) => Object.keys(require.cache).filter((f) => f.includes(part)).length;
    const models = () => Object.keys(require.cache).filter((f) => f.includes('client-node/dist/gen/')).length;
    const out = (o) => console.log(JSON.stringify(o));
  `;
  const stdout = execFileSync(process.execPath, ['--require', 'tsx/cjs', '-e', prelude + script], {
    cwd: root,
    env: { ...process.env, KUBECONFIG: path.join(root, 'test/unit/k8s/fixtures/kubeconfig.yaml') },
  });
  return JSON.parse(stdout.toString().trim().split('\n').pop()!);
}

describe('lean dependencies: what the packages load at start and the operator never uses, only on first use', function () {
  this.timeout(60_000);

  it('lets the framework make its KubeConfig and CoreV1Api without loading a generated class', () => {
    const r = run(`
      const Operator = require('@dot-i/k8s-operator').default;
      const op = new (class extends Operator { async init() {} })();
      out({ server: op.kubeConfig.getCurrentCluster().server, basePath: op.k8sApi.basePath, models: models() });
    `);
    assert.deepEqual(r, { server: 'https://127.0.0.1:6443', basePath: 'https://127.0.0.1:6443', models: 0 });
  });

  it('loads the whole package for any other export, with the same KubeConfig class', () => {
    const r = run(`
      const k8s = require('@kubernetes/client-node');
      const KubeConfig = k8s.KubeConfig;
      const before = models();
      out({ before, pod: typeof k8s.V1Pod, watch: typeof k8s.Watch, same: require('@kubernetes/client-node').KubeConfig === KubeConfig, after: models() > 0 });
    `);
    assert.deepEqual(r, { before: 0, pod: 'function', watch: 'function', same: true, after: true });
  });

  it("builds the real CoreV1Api, with the framework's credentials, on its first real use", () => {
    const r = run(`
      const { KubeConfig, CoreV1Api } = require('@kubernetes/client-node');
      const kc = new KubeConfig();
      kc.loadFromDefault();
      const api = kc.makeApiClient(CoreV1Api);
      const before = models();
      out({ before, list: typeof api.listNamespacedPod, after: models() > 0, auth: api.authentications.default === kc });
    `);
    assert.deepEqual(r, { before: 0, list: 'function', after: true, auth: true });
  });

  it("loads neither gaxios' dependencies nor zod's locales with the framework and zod, and both on first use", () => {
    const r = run(`
      require('@dot-i/k8s-operator');
      const z = require('zod');
      const at = { fetch: loaded('node-fetch'), tr46: loaded('tr46'), locales: loaded('zod/v4/locales/') };
      const message = z.string().safeParse(1).error.issues[0].message;
      const de = typeof z.locales.de;
      const request = typeof require(require.resolve('gaxios', { paths: [require.resolve('@dot-i/k8s-operator')] })).request;
      out({ at, message, de, request, after: { fetch: loaded('node-fetch') > 0, locales: loaded('zod/v4/locales/') > 2 } });
    `);
    assert.deepEqual(r, {
      at: { fetch: 0, tr46: 0, locales: 2 }, // the stand-in and English
      message: 'Invalid input: expected string, received number',
      de: 'function',
      request: 'function',
      after: { fetch: true, locales: true },
    });
  });
});
