import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { testCluster } from './cluster-hooks';

const chart = path.join(__dirname, '../../config/helm/appwithhelpers-operator');
const golden = path.join(__dirname, 'golden/rbac-rules.yaml');

type Doc = { kind: string; metadata: { name: string; namespace?: string }; rules?: unknown[]; spec?: any }; // eslint-disable-line @typescript-eslint/no-explicit-any

async function render(...sets: string[]): Promise<Doc[]> {
  const out = await testCluster().helm([
    'template',
    'awh',
    chart,
    '--namespace',
    'ops',
    '--kube-version',
    '1.36.3',
    ...sets.flatMap((s) => ['--set', s]),
  ]);
  return parseAllDocuments(out)
    .map((d) => d.toJSON())
    .filter(Boolean);
}

describe('the Helm chart', () => {
  it('passes helm lint', async () => {
    const out = await testCluster().helm(['lint', chart, '--kube-version', '1.36.3']);
    assert.match(out, /1 chart\(s\) linted, 0 chart\(s\) failed/);
  });

  it('grants exactly the rules in the golden file, and no more (update it only on purpose)', async () => {
    const docs = await render();
    const rules = Object.fromEntries(
      docs
        .filter((d) => d.kind === 'ClusterRole' || d.kind === 'Role')
        .map((d) => [`${d.kind}/${d.metadata.name}`, d.rules]),
    );
    // Compared as data: the golden file is formatted by Prettier, not by the YAML library.
    assert.deepEqual(rules, parse(readFileSync(golden, 'utf8')), `the chart grants:\n${stringify(rules)}`);
  });

  it('uses Roles in each watched namespace instead of a ClusterRole when given a list', async () => {
    const docs = await render('watchNamespaces={team-a,team-b}');
    assert.deepEqual(
      docs
        .filter((d) => d.kind.endsWith('Role'))
        .map((d) => `${d.kind} ${d.metadata.namespace ?? d.metadata.name}`)
        .sort(),
      // The operator's own rights are Roles; the two ClusterRoles are the users' view and edit roles.
      [
        'ClusterRole awh-appwithhelpers-operator-edit',
        'ClusterRole awh-appwithhelpers-operator-view',
        'Role ops',
        'Role team-a',
        'Role team-b',
      ],
    );
    const args: string[] = docs.find((d) => d.kind === 'Deployment')!.spec.template.spec.containers[0].args;
    assert.ok(args.includes('--namespaces=team-a,team-b'));
  });

  it('runs the operator under the restricted Pod Security profile, with probes and resources', async () => {
    const pod = (await render()).find((d) => d.kind === 'Deployment')!.spec.template.spec;
    const c = pod.containers[0];
    assert.deepEqual(pod.securityContext, {
      runAsNonRoot: true,
      runAsUser: 65532,
      runAsGroup: 65532,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    assert.deepEqual(c.securityContext, {
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
    assert.deepEqual([c.livenessProbe.httpGet.path, c.readinessProbe.httpGet.path], ['/healthz', '/readyz']);
    assert.ok(c.resources.requests && c.resources.limits);
  });

  it('adds a ServiceMonitor only when asked', async () => {
    assert.equal(
      (await render()).some((d) => d.kind === 'ServiceMonitor'),
      false,
    );
    assert.equal(
      (await render('metrics.serviceMonitor.enabled=true')).some((d) => d.kind === 'ServiceMonitor'),
      true,
    );
  });

  const badValues: Array<[string, RegExp]> = [
    ['replicaCount=-1', /at '\/replicaCount': minimum: got -1, want 0/],
    ['logLevel=loud', /at '\/logLevel': value must be one of 'error', 'warn', 'info', 'debug'/],
    ['watchNamespaces={Not_A_Namespace}', /at '\/watchNamespaces\/0'/],
    ['replicas=2', /additional properties 'replicas' not allowed/],
  ];
  for (const [set, message] of badValues) {
    it(`refuses ${set} with a message naming the value`, async () => {
      await assert.rejects(render(set), message);
    });
  }

  it('ships the same CRD as crds/', () => {
    assert.equal(
      readFileSync(path.join(chart, 'crds/helpers.dev_appwithhelpers.yaml'), 'utf8'),
      readFileSync(path.join(__dirname, '../../crds/helpers.dev_appwithhelpers.yaml'), 'utf8'),
    );
  });
});
