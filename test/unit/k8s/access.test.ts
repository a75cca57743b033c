import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { describeRight, rightsNeeded, type Right } from '../../../src/k8s/access';

type Rule = { apiGroups: string[]; resources: string[]; verbs: string[] };
const golden = parse(readFileSync(path.join(__dirname, '../../integration/golden/rbac-rules.yaml'), 'utf8')) as Record<
  string,
  Rule[]
>;
const expand = (rules: Rule[]) =>
  rules
    .flatMap((r) => r.apiGroups.flatMap((g) => r.resources.flatMap((res) => r.verbs.map((v) => `${g}/${res} ${v}`))))
    .sort();
const flat = (rights: Right[]) =>
  rights.map((r) => `${r.group}/${r.resource}${r.subresource ? `/${r.subresource}` : ''} ${r.verb}`).sort();

describe('the rights the operator checks at start', () => {
  it('are exactly what the chart grants: the ClusterRole, and the leader-election Role', () => {
    const clusterRole = Object.entries(golden).find(([k]) => k.startsWith('ClusterRole/'))![1];
    const role = Object.entries(golden).find(([k]) => k.startsWith('Role/'))![1];
    assert.deepEqual(flat(rightsNeeded([])), expand(clusterRole));
    assert.deepEqual(flat(rightsNeeded([], { namespace: 'ops' })), [...expand(clusterRole), ...expand(role)].sort());
  });

  it('are asked per watched namespace, and the Lease in its own namespace', () => {
    const rights = rightsNeeded(['a', 'b'], { namespace: 'ops' });
    assert.deepEqual([...new Set(rights.map((r) => r.namespace))], ['a', 'b', 'ops']);
    assert.ok(rightsNeeded([]).every((r) => r.namespace === undefined));
  });

  const cases: Array<[Right, string]> = [
    [{ group: '', resource: 'pods', verb: 'create', namespace: 'shop' }, 'create pods in namespace shop'],
    [
      { group: 'helpers.dev', resource: 'appwithhelpers', subresource: 'status', verb: 'patch' },
      'patch appwithhelpers/status.helpers.dev in all namespaces',
    ],
    [
      { group: 'coordination.k8s.io', resource: 'leases', verb: 'update', namespace: 'ops' },
      'update leases.coordination.k8s.io in namespace ops',
    ],
  ];
  for (const [right, text] of cases) {
    it(`reads "${text}"`, () => assert.equal(describeRight(right), text));
  }
});
