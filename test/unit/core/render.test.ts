import { strict as assert } from 'node:assert';
import { podName, renderPodTemplate, resolveSidecarMode, STARTUP_NEVER_GIVES_UP } from '../../../src/core/render';
import { canonicalJson, specTemplateHash, templateHash } from '../../../src/core/template-hash';
import { anApp, options } from '../../fixtures';

type C = {
  name: string;
  restartPolicy?: string;
  volumeMounts?: Array<{ name: string; mountPath: string }>;
  resources?: unknown;
  securityContext?: unknown;
  terminationMessagePolicy?: string;
  command?: string[];
  image?: string;
  env?: Array<{ name: string; value: string }>;
};
const names = (cs: unknown[] | undefined) => (cs as C[] | undefined)?.map((c) => c.name);

describe('renderPodTemplate', () => {
  const owner = { name: 'shop', namespace: 'ns', uid: 'uid-1' };

  const orders: Array<[string, ReturnType<typeof anApp>, string[] | undefined, string[]]> = [
    [
      'Native: sidecars after the steps, as init containers',
      anApp().withStep('a').withStep('b').withSidecar('log').with({ sidecarMode: 'Native' }),
      ['a', 'b', 'log'],
      ['web'],
    ],
    [
      'Native: startBeforeInitSteps puts a sidecar first',
      anApp()
        .withStep('a')
        .withSidecar('log')
        .withSidecar('proxy', { startBeforeInitSteps: true })
        .with({ sidecarMode: 'Native' }),
      ['proxy', 'a', 'log'],
      ['web'],
    ],
    [
      'Classic: sidecars beside the app',
      anApp().withStep('a').withSidecar('log').with({ sidecarMode: 'Classic' }),
      ['a'],
      ['web', 'log'],
    ],
    ['Auto on 1.36: Native', anApp().withSidecar('log'), ['log'], ['web']],
    ['no helpers: the app alone', anApp(), undefined, ['web']],
  ];
  for (const [name, app, init, main] of orders) {
    it(`orders containers: ${name}`, () => {
      const { pod } = renderPodTemplate(owner, app.parsed(), options);
      assert.deepEqual(names(pod.spec!.initContainers), init);
      assert.deepEqual(names(pod.spec!.containers), main);
    });
  }

  it('marks native sidecars restartPolicy Always, and only them', () => {
    const { pod } = renderPodTemplate(owner, anApp().withStep('a').withSidecar('log').parsed(), options);
    assert.deepEqual(
      (pod.spec!.initContainers as C[]).map((c) => c.restartPolicy),
      [undefined, 'Always'],
    );
  });

  it('picks Classic for Auto below Kubernetes 1.29 and when the version is unknown', () => {
    const spec = anApp().withSidecar('log').parsed();
    assert.equal(resolveSidecarMode(spec, { ...options, serverVersion: { major: 1, minor: 28 } }), 'Classic');
    assert.equal(resolveSidecarMode(spec, { ...options, serverVersion: { major: 1, minor: 29 } }), 'Native');
    assert.equal(resolveSidecarMode(spec, { helperImage: 'x' }), 'Classic');
  });

  it('turns a waitFor into an init container on the helper image with its target in the environment', () => {
    const { pod } = renderPodTemplate(
      owner,
      anApp()
        .withWait('db', { tcp: { host: 'database-service', port: 5432 }, timeoutSeconds: 60 })
        .parsed(),
      options,
    );
    const step = (pod.spec!.initContainers as C[])[0];
    assert.equal(step.image, 'busybox:1.36');
    assert.deepEqual(step.command!.slice(0, 2), ['sh', '-c']);
    assert.deepEqual(step.env, [
      { name: 'WAIT_TARGET', value: 'database-service:5432' },
      { name: 'WAIT_TIMEOUT', value: '60' },
      { name: 'WAIT_PERIOD', value: '2' },
      { name: 'WAIT_HOST', value: 'database-service' },
      { name: 'WAIT_PORT', value: '5432' },
    ]);
    assert.ok(!('waitFor' in step), 'waitFor is ours, not a Container field');
  });

  it('gives init steps FallbackToLogsOnError unless they set a policy', () => {
    const { pod } = renderPodTemplate(
      owner,
      anApp().withStep('a').withStep('b', { terminationMessagePolicy: 'File' }).parsed(),
      options,
    );
    assert.deepEqual(
      (pod.spec!.initContainers as C[]).map((c) => c.terminationMessagePolicy),
      ['FallbackToLogsOnError', 'File'],
    );
  });

  // The hashes the operator gave these specs before it defaulted the policy (a18f1a9's template-hash.ts).
  const NATIVE_HASH = '60cd57f32e';
  const CLASSIC_HASH = '92305daf8f';
  for (const sidecarMode of ['Native', 'Classic'] as const) {
    it(`gives the app and ${sidecarMode} sidecars FallbackToLogsOnError unless they set a policy, keeping the hash`, () => {
      const written = {
        sidecarMode,
        app: { name: 'web', image: 'nginx:1.25.3' },
        sidecars: [
          { name: 'log', image: 'busybox:1.36' },
          { name: 'proxy', image: 'envoy:1', terminationMessagePolicy: 'File' },
        ],
      };
      const { pod, hash } = renderPodTemplate(owner, anApp().with(written).parsed(), options, written);
      const all = [...((pod.spec!.initContainers ?? []) as C[]), ...(pod.spec!.containers as C[])];
      assert.deepEqual(Object.fromEntries(all.map((c) => [c.name, c.terminationMessagePolicy])), {
        web: 'FallbackToLogsOnError',
        log: 'FallbackToLogsOnError',
        proxy: 'File',
      });
      // The hash covers the spec as written: Pods rendered before the default keep running.
      assert.equal(hash, sidecarMode === 'Native' ? NATIVE_HASH : CLASSIC_HASH);
      const userSet = { ...written, app: { ...written.app, terminationMessagePolicy: 'File' } };
      const app = renderPodTemplate(owner, anApp().with(userSet).parsed(), options, userSet).pod.spec!.containers[0];
      assert.equal(app.terminationMessagePolicy, 'File');
    });
  }

  it('makes a step with retries fail its Pod (restartPolicy Never); timeoutSeconds and retries are not Container fields', () => {
    const { pod } = renderPodTemplate(
      owner,
      anApp()
        .withStep('a', { retries: 2, timeoutSeconds: 30 })
        .withStep('b', { timeoutSeconds: 30 })
        .withStep('c')
        .parsed(),
      options,
    );
    const steps = pod.spec!.initContainers as Array<C & { retries?: number; timeoutSeconds?: number }>;
    assert.deepEqual(
      steps.map((c) => c.restartPolicy),
      ['Never', undefined, undefined],
    );
    for (const c of steps) assert.ok(!('retries' in c) && !('timeoutSeconds' in c), JSON.stringify(c));
  });

  it('renders a spec written before timeoutSeconds and retries existed as before, with the same hash', () => {
    // 758b639838 is this spec's hash before the fields existed: its Pods are not rolled.
    const a = anApp()
      .withStep('migrate')
      .withWait('db', { tcp: { host: 'db', port: 5432 } })
      .withSidecar('log');
    const { pod, hash } = renderPodTemplate(owner, a.parsed(), options, a.spec);
    assert.equal(hash, '758b639838');
    assert.ok((pod.spec!.initContainers as C[]).every((c) => c.restartPolicy !== 'Never'));
  });

  it('applies helperDefaults to helpers that set none, never to the app', () => {
    const helperDefaults = {
      resources: { limits: { memory: '64Mi' } },
      securityContext: { allowPrivilegeEscalation: false },
    };
    const { pod } = renderPodTemplate(
      owner,
      anApp()
        .withStep('a')
        .withSidecar('log', { resources: { limits: { memory: '1Gi' } } })
        .with({ helperDefaults })
        .parsed(),
      options,
    );
    const [step, sidecar] = pod.spec!.initContainers as C[];
    assert.deepEqual(step.resources, helperDefaults.resources);
    assert.deepEqual(sidecar.resources, { limits: { memory: '1Gi' } });
    assert.deepEqual(sidecar.securityContext, helperDefaults.securityContext);
    assert.equal((pod.spec!.containers[0] as C).resources, undefined);
  });

  it('mounts sharedVolumes in every container and adds their emptyDirs', () => {
    const { pod } = renderPodTemplate(
      owner,
      anApp()
        .withStep('a')
        .withSidecar('log')
        .with({ sharedVolumes: [{ name: 'logs', mountPath: '/var/log/nginx' }] })
        .parsed(),
      options,
    );
    for (const c of [...(pod.spec!.initContainers as C[]), ...(pod.spec!.containers as C[])]) {
      assert.deepEqual(c.volumeMounts, [{ name: 'logs', mountPath: '/var/log/nginx' }], c.name);
    }
    assert.deepEqual(pod.spec!.volumes, [{ name: 'logs', emptyDir: {} }]);
  });

  it('carries owner reference, labels, the template hash and podTemplate fields', () => {
    const { pod, hash } = renderPodTemplate(
      owner,
      anApp()
        .with({
          podTemplate: {
            metadata: { labels: { team: 'web' } },
            spec: { serviceAccountName: 'web', resources: { limits: { cpu: '1' } } },
          },
        })
        .parsed(),
      options,
    );
    assert.deepEqual(pod.metadata!.ownerReferences, [
      {
        apiVersion: 'helpers.dev/v1alpha1',
        kind: 'AppWithHelpers',
        name: 'shop',
        uid: 'uid-1',
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
    assert.deepEqual(pod.metadata!.labels, {
      team: 'web',
      'app.kubernetes.io/managed-by': 'appwithhelpers-operator',
      'helpers.dev/app': 'shop',
      'helpers.dev/template-hash': hash,
    });
    assert.equal(pod.spec!.serviceAccountName, 'web');
    assert.deepEqual(
      (pod.spec as unknown as { resources: unknown }).resources,
      { limits: { cpu: '1' } },
      'pod-level resources (newer than client-node 0.20) survive',
    );
  });

  it('takes containers and volumes only from app, initSteps, sidecars and volumes, never from podTemplate.spec', () => {
    const podTemplate = {
      spec: {
        initContainers: [{ name: 'x', image: 'x' }],
        ephemeralContainers: [{ name: 'y', image: 'y' }],
        containers: [],
        volumes: [{ name: 'v' }],
        hostname: 'h',
      },
    };
    const { pod } = renderPodTemplate(owner, anApp().with({ podTemplate }).parsed(), options);
    assert.deepEqual(pod.spec, {
      hostname: 'h',
      containers: [{ name: 'web', image: 'nginx:1.25.3', terminationMessagePolicy: 'FallbackToLogsOnError' }],
    });
  });

  it('is deterministic, and its hash changes with the spec', () => {
    const a = renderPodTemplate(owner, anApp().withStep('a').parsed(), options);
    const b = renderPodTemplate(owner, anApp().withStep('a').parsed(), options);
    const c = renderPodTemplate(
      owner,
      anApp()
        .withStep('a', { args: ['x'] })
        .parsed(),
      options,
    );
    assert.deepEqual(a, b);
    assert.notEqual(a.hash, c.hash);
  });
});

describe('renderPodTemplate: sidecar policies (waitUntilReady, optional)', () => {
  const owner = { name: 'shop', namespace: 'ns', uid: 'uid-1' };
  const readiness = {
    httpGet: { path: '/ready', port: 9901 },
    periodSeconds: 2,
    successThreshold: 3,
    failureThreshold: 5,
  };
  const proxy = (extra: Record<string, unknown> = {}) => ({
    readinessProbe: readiness,
    waitUntilReady: true,
    ...extra,
  });
  const sidecarOf = (app: ReturnType<typeof anApp>, o = options) => {
    const { pod } = renderPodTemplate(owner, app.parsed(), o);
    const all: unknown[] = [...(pod.spec!.initContainers ?? []), ...pod.spec!.containers];
    return (all as Array<Record<string, unknown>>).find((c) => c.name === 'proxy')!;
  };
  const derived = {
    httpGet: { path: '/ready', port: 9901 },
    periodSeconds: 2,
    failureThreshold: STARTUP_NEVER_GIVES_UP,
  };
  const table: Array<[string, ReturnType<typeof anApp>, typeof options, unknown]> = [
    [
      'Native, waitUntilReady: the readiness check as a startupProbe that never gives up',
      anApp().withSidecar('proxy', proxy()),
      options,
      derived,
    ],
    [
      'startBeforeInitSteps too: the same probe',
      anApp()
        .withStep('migrate')
        .withSidecar('proxy', proxy({ startBeforeInitSteps: true })),
      options,
      derived,
    ],
    [
      'waitUntilReady false: no startupProbe',
      anApp().withSidecar('proxy', proxy({ waitUntilReady: false })),
      options,
      undefined,
    ],
    [
      'no waitUntilReady: no startupProbe',
      anApp().withSidecar('proxy', { readinessProbe: readiness }),
      options,
      undefined,
    ],
    [
      'Auto on a 1.28 server (Classic): nothing to gate with, no startupProbe (the status says so)',
      anApp().withSidecar('proxy', proxy()),
      { ...options, serverVersion: { major: 1, minor: 28 } },
      undefined,
    ],
  ];
  for (const [name, app, o, startupProbe] of table)
    it(name, () => {
      const c = sidecarOf(app, o);
      assert.deepEqual(c.startupProbe, startupProbe);
      assert.deepEqual(c.readinessProbe, readiness, 'the readinessProbe stays as written');
      assert.ok(!('waitUntilReady' in c) && !('optional' in c), 'policy fields are ours, not Container fields');
    });

  it('keeps initialDelaySeconds and timeoutSeconds, drops successThreshold (a startup probe takes only 1)', () => {
    const c = sidecarOf(
      anApp().withSidecar(
        'proxy',
        proxy({
          readinessProbe: {
            exec: { command: ['cat', '/ready'] },
            initialDelaySeconds: 5,
            timeoutSeconds: 3,
            successThreshold: 2,
          },
        }),
      ),
    );
    assert.deepEqual(c.startupProbe, {
      exec: { command: ['cat', '/ready'] },
      initialDelaySeconds: 5,
      timeoutSeconds: 3,
      failureThreshold: STARTUP_NEVER_GIVES_UP,
    });
  });

  it('renders an optional sidecar as any other, in both modes; optional: false on a step is dropped', () => {
    for (const sidecarMode of ['Native', 'Classic'] as const) {
      const plain = sidecarOf(anApp().withSidecar('proxy').with({ sidecarMode }));
      assert.deepEqual(sidecarOf(anApp().withSidecar('proxy', { optional: true }).with({ sidecarMode })), plain);
    }
    const { pod } = renderPodTemplate(owner, anApp().withStep('migrate', { optional: false }).parsed(), options);
    assert.ok(!('optional' in pod.spec!.initContainers![0]));
  });

  it('leaves an object written before these fields existed as it was: the same Pod and hash as before them', () => {
    // The hash and Pod spec that the operator rendered for this spec before waitUntilReady and optional
    // existed, but for the app's and sidecar's FallbackToLogsOnError (which the hash does not cover).
    const written = {
      app: { name: 'web', image: 'nginx:1.25.3' },
      sidecars: [{ name: 'proxy', image: 'envoy:1', readinessProbe: { httpGet: { path: '/ready', port: 9901 } } }],
    };
    const parsed = anApp().with(written);
    const { pod, hash } = renderPodTemplate(owner, parsed.parsed(), options, written);
    assert.equal(hash, '40678fb653');
    assert.equal(
      JSON.stringify(pod.spec),
      '{"initContainers":[{"name":"proxy","image":"envoy:1","readinessProbe":{"httpGet":{"path":"/ready","port":9901}},"terminationMessagePolicy":"FallbackToLogsOnError","restartPolicy":"Always"}],"containers":[{"name":"web","image":"nginx:1.25.3","terminationMessagePolicy":"FallbackToLogsOnError"}]}',
    );
  });
});

describe('the template hash', () => {
  const owner = { name: 'shop', namespace: 'ns', uid: 'uid-1' };
  const spec = anApp()
    .withWait('db', { tcp: { host: 'db', port: 5432 } })
    .withSidecar('log')
    .with({ sidecarMode: 'Auto' });
  const hashWith = (o: Parameters<typeof renderPodTemplate>[2], s = spec) =>
    renderPodTemplate(owner, s.parsed(), o, s.spec).hash;

  const unchanged: Array<[string, Parameters<typeof renderPodTemplate>[2]]> = [
    ['another --helper-image', { ...options, helperImage: 'registry.local/busybox:1.37' }],
    ['another waitFor script (a new operator version)', { ...options, waitScript: 'echo a newer script' }],
    ['the server crossing 1.29 (Auto turns Native)', { ...options, serverVersion: { major: 1, minor: 28 } }],
    ['an unknown server version', { helperImage: options.helperImage }],
  ];
  for (const [what, o] of unchanged) {
    it(`stays the same with ${what}: what the operator adds is not the user's template`, () => {
      assert.equal(hashWith(o), hashWith(options));
    });
  }

  it('ignores replicas, updateStrategy and progressDeadlineSeconds: how many, how and how long, not what', () => {
    const scaled = anApp()
      .withWait('db', { tcp: { host: 'db', port: 5432 } })
      .withSidecar('log')
      .with({ sidecarMode: 'Auto', replicas: 5, updateStrategy: { type: 'Recreate' }, progressDeadlineSeconds: 30 });
    assert.equal(hashWith(options, scaled), hashWith(options));
  });

  it('changes with any Pod-shaping field, a restartedAt annotation included', () => {
    const restarted = anApp()
      .withWait('db', { tcp: { host: 'db', port: 5432 } })
      .withSidecar('log')
      .with({
        sidecarMode: 'Auto',
        podTemplate: { metadata: { annotations: { 'helpers.dev/restartedAt': '2026-12-01T10:00:00Z' } } },
      });
    assert.notEqual(hashWith(options, restarted), hashWith(options));
    assert.notEqual(specTemplateHash({ ...spec.spec, sidecarMode: 'Classic' }), specTemplateHash(spec.spec));
  });
});

describe('templateHash', () => {
  it('is stable under key order', () => {
    assert.equal(
      templateHash({ a: 1, b: { c: [1, { d: 2, e: 3 }] } }),
      templateHash({ b: { c: [1, { e: 3, d: 2 }] }, a: 1 }),
    );
    assert.equal(canonicalJson({ b: 1, a: undefined, c: 'x' }), '{"b":1,"c":"x"}');
  });
});

describe('podName', () => {
  it('is <app>-<hash>-<slot>, cut to fit 253 characters', () => {
    assert.equal(podName('shop', 'abcdef1234', 2), 'shop-abcde-2');
    assert.equal(podName('x'.repeat(260), 'abcdef1234', 10).length, 253);
  });
});
