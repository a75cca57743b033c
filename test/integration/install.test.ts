import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { parse, stringify } from 'yaml';
import { freePort, sleep } from '../../hack/cluster/control-plane';
import { testCluster } from './cluster-hooks';
import { createNamespace } from './kube-helpers';
import { eventually, installCrd, jsonpath, startOperator } from './operator-harness';
import { OperatorProcess } from './operator-process';

const chart = path.join(__dirname, '../../config/helm/appwithhelpers-operator');
const root = path.join(__dirname, '../..');
const awh = (name: string) =>
  `apiVersion: helpers.dev/v1alpha1\nkind: AppWithHelpers\nmetadata: {name: ${name}}\nspec:\n  initSteps: [{name: setup, image: busybox:1.36}]\n  sidecars: [{name: log, image: busybox:1.36}]\n  app: {image: nginx:1.25.3}\n`;

function get(port: number, urlPath: string): Promise<{ code: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: urlPath }, (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ code: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

async function podUids(ns: string): Promise<string> {
  return testCluster().kubectl([
    'get',
    'pods',
    '-n',
    ns,
    '-l',
    'helpers.dev/app',
    '-o',
    'jsonpath={range .items[*]}{.metadata.name}={.metadata.uid}{"\\n"}{end}',
  ]);
}

describe('installing and running the operator', () => {
  before(async () => installCrd(testCluster()));

  describe('with helm, into a namespace that enforces the restricted profile', () => {
    const ns = 'awh-system';
    const apps = 'team-apps';
    let tokenKubeconfig: string;
    let op: OperatorProcess | undefined;
    after(async () => {
      op?.kill('SIGTERM');
      await op?.exited;
    });

    it('installs, and the operator Pods are admitted and Running', async () => {
      const cluster = testCluster();
      await createNamespace(cluster, ns, { 'pod-security.kubernetes.io/enforce': 'restricted' });
      await createNamespace(cluster, apps);
      await cluster.helm([
        'install',
        'awh',
        chart,
        '--namespace',
        ns,
        '--set',
        `watchNamespaces={${apps}}`,
        '--wait',
        '--timeout',
        '60s',
      ]);
      const phases = await cluster.kubectl([
        'get',
        'pods',
        '-n',
        ns,
        '-l',
        'app.kubernetes.io/name=appwithhelpers-operator',
        '-o',
        'jsonpath={.items[*].status.phase}',
      ]);
      assert.deepEqual(phases.split(' '), ['Running', 'Running']);
    });

    it("reconciles the guide's examples with the chart's ServiceAccount token alone", async () => {
      const cluster = testCluster();
      const token = (
        await cluster.kubectl(['create', 'token', 'awh-appwithhelpers-operator', '-n', ns, '--duration=1h'])
      ).trim();
      tokenKubeconfig = path.join(cluster.dir, 'operator-token.kubeconfig');
      writeFileSync(
        tokenKubeconfig,
        [
          'apiVersion: v1',
          'kind: Config',
          'current-context: sa',
          'clusters: [{name: c, cluster: {server: "' +
            cluster.server +
            '", certificate-authority: "' +
            cluster.pki.caCert +
            '"}}]',
          'users: [{name: sa, user: {token: "' + token + '"}}]',
          'contexts: [{name: sa, context: {cluster: c, user: sa}}]',
          '',
        ].join('\n'),
      );
      op = new OperatorProcess(
        'operator (chart identity)',
        [
          `--namespaces=${apps}`,
          '--leader-elect=true',
          `--lease-namespace=${ns}`,
          '--lease-name=awh-appwithhelpers-operator',
          '--probe-port=0',
        ],
        tokenKubeconfig,
      );
      await op.waitFor('caches synced');
      await cluster.kubectl(['apply', '-n', apps, '-f', path.join(root, 'examples')]);
      await cluster.kubectl([
        'wait',
        '-n',
        apps,
        '--for=condition=Ready',
        'awh/myapp-with-init',
        'awh/myapp-with-sidecar',
        'awh/myapp-combined',
        '--timeout=60s',
      ]);
      // A watch may be told to retry (429) while a new CRD's cache warms up; a refused call would be a reconcile failure.
      const refused = op.lines.filter((l) => l.level === 'error' || l.message === 'reconcile failed');
      assert.deepEqual(refused, []);
    });

    it('is refused anything outside its RBAC', async () => {
      const asOperator = (args: string[]) => testCluster().kubectl(['--kubeconfig', tokenKubeconfig, ...args]);
      await assert.rejects(asOperator(['get', 'secrets', '-n', apps]), /Forbidden/);
      await assert.rejects(asOperator(['get', 'pods', '-n', 'default']), /Forbidden/);
      await assert.rejects(asOperator(['delete', 'awh', '-n', apps, 'myapp-combined']), /Forbidden/);
      assert.equal((await asOperator(['auth', 'can-i', 'create', 'pods', '-n', apps])).trim(), 'yes');
    });

    it("lets a namespace's editors manage AppWithHelpers and its viewers only read them (roles aggregated into edit and view)", async () => {
      const cluster = testCluster();
      const team = 'team-roles';
      await createNamespace(cluster, team);
      await cluster.kubectl(['create', 'rolebinding', 'alice-edits', '--clusterrole=edit', '--user=alice', '-n', team]);
      await cluster.kubectl(['create', 'rolebinding', 'bob-views', '--clusterrole=view', '--user=bob', '-n', team]);
      const as = (user: string, args: string[], input?: string) =>
        cluster.kubectl(['--as', user, '-n', team, ...args], input);
      // The cluster role aggregation controller folds the chart's roles into edit and view.
      await eventually(
        'the chart roles aggregated into edit',
        async () => (await as('alice', ['auth', 'can-i', 'create', 'appwithhelpers.helpers.dev'])).trim() === 'yes',
      );
      await as('alice', ['apply', '-f', '-'], awh('by-an-editor'));
      assert.match(await as('bob', ['get', 'awh', 'by-an-editor', '-o', 'name']), /by-an-editor/);
      await assert.rejects(as('bob', ['apply', '-f', '-'], awh('by-a-viewer')), /Forbidden/);
      await assert.rejects(as('bob', ['delete', 'awh', 'by-an-editor']), /Forbidden/);
      await assert.rejects(
        as('bob', ['patch', 'awh', 'by-an-editor', '--subresource=status', '--type=merge', '-p', '{"status":{}}']),
        /Forbidden/,
      );
      await as('alice', ['delete', 'awh', 'by-an-editor']);
    });

    it('upgrades with changed values and uninstalls, leaving the CRD and the apps', async () => {
      const cluster = testCluster();
      await cluster.helm([
        'upgrade',
        'awh',
        chart,
        '--namespace',
        ns,
        '--reuse-values',
        '--set',
        'logLevel=debug',
        '--set',
        'replicaCount=1',
        '--wait',
        '--timeout',
        '60s',
      ]);
      const args = await jsonpath(
        cluster,
        ns,
        'deployment/awh-appwithhelpers-operator',
        '{.spec.template.spec.containers[0].args}',
      );
      assert.ok(JSON.parse(args).includes('--log-level=debug'));
      assert.equal(await jsonpath(cluster, ns, 'deployment/awh-appwithhelpers-operator', '{.spec.replicas}'), '1');
      await cluster.helm(['uninstall', 'awh', '--namespace', ns, '--wait']);
      assert.equal(
        (
          await cluster.kubectl([
            'get',
            'deployment,serviceaccount,role,rolebinding',
            '-n',
            ns,
            '-l',
            'app.kubernetes.io/instance=awh',
            '-o',
            'name',
          ])
        ).trim(),
        '',
      );
      assert.equal(
        (await cluster.kubectl(['get', 'crd', 'appwithhelpers.helpers.dev', '-o', 'name'])).trim(),
        'customresourcedefinition.apiextensions.k8s.io/appwithhelpers.helpers.dev',
      );
      assert.equal((await cluster.kubectl(['get', 'awh', '-n', apps, '-o', 'name'])).trim().split('\n').length, 3);
    });
  });

  describe('two replicas with leader election', () => {
    const ns = 'ha';
    const procs: OperatorProcess[] = [];
    after(async () => {
      procs.forEach((p) => p.kill('SIGKILL'));
      await Promise.all(procs.map((p) => p.exited));
    });

    it('lets one lead; when it is killed the other takes over within 17 s and creates no Pod twice', async function () {
      this.timeout(120_000);
      const cluster = testCluster();
      await createNamespace(cluster, ns);
      const args = (port: number) => [
        `--namespaces=${ns}`,
        '--leader-elect=true',
        `--lease-namespace=${ns}`,
        `--probe-port=${port}`,
        `--identity=op-${port}`,
      ];
      const [portA, portB] = [await freePort(), await freePort()];
      const a = new OperatorProcess('A', args(portA), cluster.kubeconfig);
      procs.push(a);
      await a.waitFor('caches synced');
      const b = new OperatorProcess('B', args(portB), cluster.kubeconfig);
      procs.push(b);
      await b.waitFor('waiting for the leader Lease');
      await sleep(3000);
      assert.equal(b.has('became leader'), false, 'only one leads');
      assert.equal((await get(portB, '/readyz')).body, 'standby: waiting for the leader Lease');

      for (const name of ['one', 'two', 'three']) await cluster.kubectl(['apply', '-n', ns, '-f', '-'], awh(name));
      await cluster.kubectl([
        'wait',
        '-n',
        ns,
        '--for=condition=Ready',
        'awh/one',
        'awh/two',
        'awh/three',
        '--timeout=60s',
      ]);
      const metrics = (await get(portA, '/metrics')).body;
      assert.match(metrics, /appwithhelpers_reconcile_total\{result="updated"\} \d+/);
      assert.match(metrics, /appwithhelpers_init_step_duration_seconds_count\{namespace="ha"\} 3/);
      assert.match(metrics, /appwithhelpers_sidecar_restarts\{namespace="ha",appwithhelpers="one"\} 0/);
      assert.match(metrics, /appwithhelpers_leader 1/);
      assert.deepEqual(
        [(await get(portA, '/healthz')).code, (await get(portA, '/readyz')).body],
        [200, 'ok: leading, caches synced'],
      );

      const before = await podUids(ns);
      a.kill('SIGKILL');
      const killedAt = Date.now();
      const tookOverAt = await b.waitFor('became leader', 30_000);
      const takeover = (tookOverAt - killedAt) / 1000;
      console.log(`      takeover after SIGKILL of the leader: ${takeover.toFixed(1)}s`);
      assert.ok(takeover <= 17, `takeover took ${takeover}s`);
      await b.waitFor('caches synced');
      await cluster.kubectl(['apply', '-n', ns, '-f', '-'], awh('four'));
      await cluster.kubectl(['wait', '-n', ns, '--for=condition=Ready', 'awh/four', '--timeout=60s']);
      const after = await podUids(ns);
      for (const line of before.trim().split('\n')) assert.ok(after.includes(line), `${line} was replaced`);
      assert.equal(after.trim().split('\n').length, 4);
    });

    it('releases the Lease on SIGTERM, after finishing its work, and exits 0', async () => {
      const b = procs[1];
      b.kill('SIGTERM');
      assert.equal(await b.exited, 0);
      assert.ok(b.has('released the leader Lease'));
      assert.equal(await jsonpath(testCluster(), ns, 'lease/appwithhelpers-operator', '{.spec.holderIdentity}'), '');
    });
  });

  describe('the built entry point the image runs', () => {
    before(async function () {
      this.timeout(120_000);
      await promisify(execFile)('npm', ['run', 'build'], { cwd: root });
    });

    it('starts, syncs and stops cleanly on SIGTERM', async () => {
      const op = new OperatorProcess(
        'dist/main.js',
        ['--namespaces=ha', '--probe-port=0'],
        testCluster().kubeconfig,
        'built',
      );
      await op.waitFor('caches synced');
      op.kill('SIGTERM');
      assert.equal(await op.exited, 0);
    });

    const bad: Array<[string, string[], string, RegExp]> = [
      [
        'a malformed setting',
        ['--concurrency=lots'],
        '',
        /^appwithhelpers-operator: invalid setting --concurrency \(CONCURRENCY="lots"\): .*\n$/,
      ],
      [
        'an unreachable API server',
        ['--probe-port=0'],
        'unreachable',
        /^appwithhelpers-operator: could not start: GET \/version: connect ECONNREFUSED 127\.0\.0\.1:1\n$/,
      ],
      [
        'a kubeconfig without rights',
        ['--probe-port=0', '--namespaces=shop'],
        'no-rights',
        /^appwithhelpers-operator: could not start: nobody may not list appwithhelpers\.helpers\.dev in namespace shop; watch appwithhelpers\.helpers\.dev in namespace shop; patch appwithhelpers\/status\.helpers\.dev in namespace shop \(and 6 more\): grant the operator's RBAC \(the Helm chart's ClusterRole and Role\) to this identity\n$/,
      ],
      [
        'a kubeconfig with rights but not to the Lease',
        ['--probe-port=0', '--namespaces=shop', '--leader-elect', '--lease-namespace=ops'],
        'no-lease',
        /^appwithhelpers-operator: could not start: lease-less may not get leases\.coordination\.k8s\.io in namespace ops; create leases\.coordination\.k8s\.io in namespace ops; update leases\.coordination\.k8s\.io in namespace ops: grant .*\n$/,
      ],
      [
        'KUBECONFIG naming no file',
        ['--probe-port=0'],
        'missing',
        /^appwithhelpers-operator: could not load the kubeconfig \/nonexistent\/kubeconfig: ENOENT: no such file or directory, open '\/nonexistent\/kubeconfig'\n$/,
      ],
      [
        'a kubeconfig that is not YAML',
        ['--probe-port=0'],
        'garbage',
        /^appwithhelpers-operator: could not load the kubeconfig \S+garbage\.kubeconfig: [^\n]+\n$/,
      ],
      [
        'a kubeconfig without a current cluster',
        ['--probe-port=0'],
        'empty',
        /^appwithhelpers-operator: could not load the kubeconfig \S+empty\.kubeconfig: it names no current cluster: set current-context\n$/,
      ],
      [
        'a kubeconfig whose token is refused',
        ['--probe-port=0'],
        'bad-token',
        /^appwithhelpers-operator: could not start: the API server at https:\/\/127\.0\.0\.1:\d+ refused the kubeconfig's credentials \(401 Unauthorized\): check its token or client certificate\n$/,
      ],
    ];
    for (const [what, args, kubeconfig, message] of bad) {
      it(`exits non-zero with one clear line on ${what}`, async () => {
        const cluster = testCluster();
        let file = cluster.kubeconfig;
        if (kubeconfig === 'no-rights') file = cluster.userKubeconfig('nobody', 'no-group');
        if (kubeconfig === 'no-lease') {
          file = cluster.userKubeconfig('lease-less', 'no-group');
          const rules = Object.entries(
            parse(readFileSync(path.join(__dirname, 'golden/rbac-rules.yaml'), 'utf8')) as Record<string, unknown>,
          ).find(([kind]) => kind.startsWith('ClusterRole/'))![1];
          await cluster.kubectl(
            ['apply', '-f', '-'],
            stringify({
              apiVersion: 'rbac.authorization.k8s.io/v1',
              kind: 'ClusterRole',
              metadata: { name: 'lease-less' },
              rules,
            }),
          );
          await cluster.kubectl([
            'create',
            'clusterrolebinding',
            'lease-less',
            '--clusterrole=lease-less',
            '--user=lease-less',
          ]);
        }
        if (kubeconfig === 'bad-token') {
          file = path.join(cluster.dir, 'bad-token.kubeconfig');
          writeFileSync(
            file,
            `apiVersion: v1\nkind: Config\ncurrent-context: x\nclusters: [{name: x, cluster: {server: "${cluster.server}", certificate-authority: "${cluster.pki.caCert}"}}]\nusers: [{name: x, user: {token: not-a-token}}]\ncontexts: [{name: x, context: {cluster: x, user: x}}]\n`,
          );
        }
        if (kubeconfig === 'missing') file = '/nonexistent/kubeconfig';
        if (kubeconfig === 'garbage' || kubeconfig === 'empty') {
          file = path.join(cluster.dir, `${kubeconfig}.kubeconfig`);
          writeFileSync(
            file,
            kubeconfig === 'garbage'
              ? 'this: [is not\n'
              : 'apiVersion: v1\nkind: Config\nclusters: []\nusers: []\ncontexts: []\n',
          );
        }
        if (kubeconfig === 'unreachable') {
          file = path.join(testCluster().dir, 'unreachable.kubeconfig');
          writeFileSync(
            file,
            'apiVersion: v1\nkind: Config\ncurrent-context: x\nclusters: [{name: x, cluster: {server: "https://127.0.0.1:1", insecure-skip-tls-verify: true}}]\nusers: [{name: x, user: {token: t}}]\ncontexts: [{name: x, context: {cluster: x, user: x}}]\n',
          );
        }
        const op = new OperatorProcess(what, args, file, 'built');
        assert.notEqual(await op.exited, 0);
        assert.match(op.stderr.join(''), message);
      });
    }
  });

  describe('in a namespace that enforces the restricted profile', () => {
    it('marks an AppWithHelpers asking for a privileged container Degraded with the Pod Security message, touching nothing else', async () => {
      const cluster = testCluster();
      const team = 'team-restricted';
      await createNamespace(cluster, team, { 'pod-security.kubernetes.io/enforce': 'restricted' });
      const op = await startOperator(cluster, team);
      try {
        const restricted = {
          runAsNonRoot: true,
          runAsUser: 1000,
          allowPrivilegeEscalation: false,
          capabilities: { drop: ['ALL'] },
          seccompProfile: { type: 'RuntimeDefault' },
        };
        const app = (name: string, securityContext: object) =>
          JSON.stringify({
            apiVersion: 'helpers.dev/v1alpha1',
            kind: 'AppWithHelpers',
            metadata: { name },
            spec: {
              app: { image: 'nginx:1.25.3', securityContext },
              initSteps: [{ name: 'setup', image: 'busybox:1.36' }],
              helperDefaults: { securityContext: restricted },
            },
          });
        await cluster.kubectl(['apply', '-n', team, '-f', '-'], app('compliant', restricted));
        await cluster.kubectl(['wait', '-n', team, '--for=condition=Ready', 'awh/compliant', '--timeout=60s']);
        const before = await podUids(team);
        await cluster.kubectl(['apply', '-n', team, '-f', '-'], app('privileged', { privileged: true }));
        await eventually('the privileged one marked Degraded', async () =>
          /violates PodSecurity "restricted:latest"/.test(
            await jsonpath(cluster, team, 'awh/privileged', '{.status.conditions[?(@.type=="Degraded")].message}'),
          ),
        );
        assert.equal(
          await jsonpath(cluster, team, 'awh/privileged', '{.status.conditions[?(@.type=="Degraded")].reason}'),
          'FailedCreate',
        );
        assert.equal(await podUids(team), before, "the compliant app's Pod was touched");
        assert.equal(await jsonpath(cluster, team, 'awh/compliant', '{.status.phase}'), 'Running');
      } finally {
        await op.stop();
      }
    });
  });
});
