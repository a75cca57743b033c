/**
 * Each CEL rule of the CRD and the operator's own check of the same mistake say the same thing:
 * a person reads one message whether the API server refused the object or the operator marked it
 * InvalidSpec. For every named rule, a spec that breaks it and nothing else, and the operator's
 * error for it written from the rule's message.
 */
import { strict as assert } from 'node:assert';
import { CEL, type CelRule } from '../../../src/api/cel-rules';
import { buildCrd } from '../../../src/api/crd';
import { parseSpec } from '../../../src/api/validation/parse-spec';

interface Case {
  /** A spec that breaks the rule and nothing else. */
  spec: unknown;
  /** The operator's one error for that spec, given the rule's message. */
  error: (message: string) => string;
}

/** Rules only the API server checks, and why the operator does not. */
type ServerOnly = { serverOnly: string };

/** Every rule of CEL, by the same names: a rule added there without a case here does not compile. */
type Cases = { [G in keyof typeof CEL]: { [R in keyof (typeof CEL)[G]]: Case | ServerOnly } };

/** The part of a message before its first ": ". */
const lead = (message: string) => message.slice(0, message.indexOf(': '));

const app = { name: 'web', image: 'nginx' };
const ready = { name: 'proxy', image: 'envoy', waitUntilReady: true, readinessProbe: { tcpSocket: { port: 9901 } } };
const tcp = { tcp: { host: 'db', port: 5432 } };

const cases: Cases = {
  object: {
    nameFitsLabel: { serverOnly: 'it is about metadata.name; the operator checks the spec' },
  },
  waitFor: {
    oneTarget: {
      spec: { app, initSteps: [{ name: 'db', waitFor: { timeoutSeconds: 30 } }] },
      error: (m) => `spec.initSteps[0].waitFor: ${m}`,
    },
  },
  initStep: {
    waitForRunsNoCommand: {
      spec: { app, initSteps: [{ name: 'db', command: ['nc', '-z', 'db', '5432'], waitFor: tcp }] },
      error: (m) => `spec.initSteps[0]: ${m}`,
    },
    needsImage: {
      spec: { app, initSteps: [{ name: 'migrate', command: ['migrate'] }] },
      error: (m) => `spec.initSteps[0]: ${m}`,
    },
    noRestartPolicy: {
      spec: { app, initSteps: [{ name: 'migrate', image: 'm', restartPolicy: 'Always' }] },
      error: (m) => `spec.initSteps[0]: ${m}`,
    },
    noProbesOrLifecycle: {
      spec: { app, initSteps: [{ name: 'migrate', image: 'm', lifecycle: { preStop: { exec: { command: ['x'] } } } }] },
      error: (m) => `spec.initSteps[0].lifecycle: ${m}`,
    },
    notOptional: {
      spec: { app, initSteps: [{ name: 'migrate', image: 'm', optional: true }] },
      error: (m) => `spec.initSteps[0].optional: ${m}`,
    },
  },
  sidecar: {
    needsImage: {
      spec: { app, sidecars: [{ name: 'log', command: ['tail'] }] },
      error: (m) => `spec.sidecars[0]: ${m}`,
    },
    noRestartPolicy: {
      spec: { app, sidecars: [{ name: 'log', image: 'busybox', restartPolicy: 'Always' }] },
      error: (m) => `spec.sidecars[0]: ${m}`,
    },
    waitUntilReadyNeedsReadinessProbe: {
      spec: { app, sidecars: [{ name: 'proxy', image: 'envoy', waitUntilReady: true }] },
      error: (m) => `spec.sidecars[0].waitUntilReady: ${m}`,
    },
    waitUntilReadyWithoutStartupProbe: {
      spec: { app, sidecars: [{ ...ready, startupProbe: { tcpSocket: { port: 9901 } } }] },
      error: (m) => `spec.sidecars[0].waitUntilReady: ${m}`,
    },
    optionalWithoutWaitUntilReady: {
      spec: { app, sidecars: [{ ...ready, optional: true }] },
      error: (m) => `spec.sidecars[0].optional: ${m}`,
    },
  },
  spec: {
    // The CEL rule can only say which kinds clash; the operator names the container it clashes with.
    stepNotNamedLikeApp: {
      spec: { app, initSteps: [{ name: 'web', image: 'm' }] },
      error: (m) => `spec.initSteps[0].name: ${lead(m)}: "web" is also spec.app`,
    },
    sidecarNotNamedLikeApp: {
      spec: { app, sidecars: [{ name: 'web', image: 'envoy' }] },
      error: (m) => `spec.sidecars[0].name: ${lead(m)}: "web" is also spec.app`,
    },
    sidecarNotNamedLikeStep: {
      spec: { app, initSteps: [{ name: 'proxy', image: 'm' }], sidecars: [{ name: 'proxy', image: 'envoy' }] },
      error: (m) => `spec.sidecars[0].name: ${lead(m)}: "proxy" is also spec.initSteps[0]`,
    },
    sharedVolumeNotNamedLikeVolume: {
      spec: { app, volumes: [{ name: 'data', emptyDir: {} }], sharedVolumes: [{ name: 'data', mountPath: '/d' }] },
      error: (m) => `spec.sharedVolumes[0].name: ${m} ("data")`,
    },
    startBeforeInitStepsNeedsNative: {
      spec: { app, sidecarMode: 'Classic', sidecars: [{ name: 'proxy', image: 'envoy', startBeforeInitSteps: true }] },
      error: (m) => `spec.sidecars[0].startBeforeInitSteps: ${m}`,
    },
    sharedVolumeMountPathsDistinct: {
      spec: {
        app,
        sharedVolumes: [
          { name: 'a', mountPath: '/shared' },
          { name: 'b', mountPath: '/shared' },
        ],
      },
      error: (m) => `spec.sharedVolumes[1].mountPath: ${m} ("/shared" is also spec.sharedVolumes[0])`,
    },
    waitUntilReadyNeedsNative: {
      spec: { app, sidecarMode: 'Classic', sidecars: [ready] },
      error: (m) => `spec.sidecars[0].waitUntilReady: ${m}`,
    },
  },
};

/** Every rule with its name, as [`CEL.group.name`, rule, case]. */
const named: Array<[string, CelRule, Case | ServerOnly]> = Object.entries(CEL).flatMap(([group, rules]) =>
  Object.entries(rules as Record<string, CelRule>).map(([name, rule]): [string, CelRule, Case | ServerOnly] => [
    `CEL.${group}.${name}`,
    rule,
    (cases as Record<string, Record<string, Case | ServerOnly>>)[group][name],
  ]),
);

/** Every x-kubernetes-validations entry of a CRD schema, anywhere in it. */
function crdRules(schema: unknown): CelRule[] {
  if (typeof schema !== 'object' || schema === null) return [];
  const own = (schema as { 'x-kubernetes-validations'?: CelRule[] })['x-kubernetes-validations'] ?? [];
  return [...own, ...Object.values(schema).flatMap(crdRules)];
}

describe('the CEL rules (src/api/cel-rules.ts)', () => {
  for (const [name, rule, c] of named) {
    if ('serverOnly' in c) continue;
    it(`${name}: the operator refuses the same mistake with the rule's message`, () => {
      const parsed = parseSpec(c.spec);
      assert.deepEqual(parsed.ok ? [] : parsed.errors, [c.error(rule.message)]);
    });
  }

  it('are checked by the operator too, but for those the API server alone can check', () => {
    assert.deepEqual(
      named.filter(([, , c]) => 'serverOnly' in c).map(([name]) => name),
      ['CEL.object.nameFitsLabel'],
    );
  });

  it('are all in the CRD, and the CRD has no others', () => {
    const inCrd = crdRules(buildCrd()).map((r) => JSON.stringify(r));
    assert.deepEqual(inCrd.toSorted(), named.map(([, rule]) => JSON.stringify(rule)).toSorted());
  });
});
