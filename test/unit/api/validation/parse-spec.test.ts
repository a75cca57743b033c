import { strict as assert } from 'node:assert';
import { parseSpec } from '../../../../src/api/validation/parse-spec';

describe('parseSpec', () => {
  const app = { name: 'web', image: 'nginx' };
  const valid: Array<[string, unknown]> = [
    ['an app alone', { app }],
    ['an app whose name defaults to "app"', { app: { image: 'nginx' } }],
    [
      'a container step and a tcp wait',
      {
        app,
        initSteps: [
          { name: 'migrate', image: 'm' },
          { name: 'db', waitFor: { tcp: { host: 'db', port: 5432 } } },
        ],
      },
    ],
    [
      'a step with a deadline and a retry budget',
      { app, initSteps: [{ name: 'migrate', image: 'm', timeoutSeconds: 600, retries: 0 }] },
    ],
    [
      'an http wait with its own image',
      { app, initSteps: [{ name: 'api', image: 'curl', waitFor: { http: { url: 'http://api:8080/healthz' } } }] },
    ],
    [
      'a native sidecar started before the steps',
      { app, sidecarMode: 'Native', sidecars: [{ name: 'proxy', image: 'envoy', startBeforeInitSteps: true }] },
    ],
    [
      "an init step on the app's port (it has finished before the app starts)",
      {
        app: { ...app, ports: [{ containerPort: 80 }] },
        initSteps: [{ name: 's', image: 'x', ports: [{ containerPort: 80 }] }],
      },
    ],
    [
      'labels and annotations with prefixes',
      {
        app,
        podTemplate: {
          metadata: {
            labels: { 'example.com/team': 'web_1', empty: '' },
            annotations: { 'example.com/note': 'any text: at all' },
          },
        },
      },
    ],
    [
      'a mount of a sharedVolume',
      {
        app: { ...app, volumeMounts: [{ name: 'data', mountPath: '/d' }] },
        sharedVolumes: [{ name: 'data', mountPath: '/d' }],
      },
    ],
    [
      'fields newer than client-node knows, kept as they are',
      {
        app: { ...app, resizePolicy: [{ resourceName: 'cpu', restartPolicy: 'NotRequired' }] },
        podTemplate: { spec: { resources: { limits: { cpu: '1' } } } },
      },
    ],
  ];
  for (const [name, spec] of valid) {
    it(`accepts ${name}`, () => {
      const parsed = parseSpec(spec);
      assert.ok(parsed.ok, parsed.ok ? '' : parsed.errors.join('; '));
    });
  }

  const hosts: Array<[string, boolean]> = [
    ['db', true],
    ['db.shop.svc.cluster.local.', true],
    ['Database-Service', true],
    ['10.96.0.12', true],
    ['fd00::12', true],
    ['tcp://db:5432', false],
    ['db; reboot', false],
    ['-db', false],
  ];
  for (const [host, ok] of hosts) {
    it(`${ok ? 'accepts' : 'refuses'} the waitFor tcp.host ${host}`, () => {
      const parsed = parseSpec({ app, initSteps: [{ name: 'db', waitFor: { tcp: { host, port: 1 } } }] });
      assert.equal(parsed.ok, ok, parsed.ok ? '' : parsed.errors.join('; '));
      if (!parsed.ok) assert.match(parsed.errors[0], /^spec\.initSteps\[0\]\.waitFor\.tcp\.host: must be a DNS name/);
    });
  }

  it('fills the defaults people expect', () => {
    const parsed = parseSpec({
      app: { image: 'nginx' },
      initSteps: [{ name: 'db', waitFor: { tcp: { host: 'db', port: 1 } } }],
    });
    assert.ok(parsed.ok);
    assert.equal(parsed.spec.replicas, 1);
    assert.equal(parsed.spec.app.name, 'app');
    assert.equal(parsed.spec.sidecarMode, 'Auto');
    assert.deepEqual(parsed.spec.initSteps![0].waitFor, {
      tcp: { host: 'db', port: 1 },
      timeoutSeconds: 300,
      periodSeconds: 2,
    });
  });

  it('keeps every field it does not read', () => {
    const parsed = parseSpec({
      app: { ...app, stdin: true, resizePolicy: [{ resourceName: 'cpu', restartPolicy: 'NotRequired' }] },
    });
    assert.ok(parsed.ok);
    assert.deepEqual((parsed.spec.app as Record<string, unknown>).resizePolicy, [
      { resourceName: 'cpu', restartPolicy: 'NotRequired' },
    ]);
  });

  const ready = {
    name: 'proxy',
    image: 'envoy',
    waitUntilReady: true,
    readinessProbe: { httpGet: { path: '/ready', port: 9901 } },
  };
  const policies: Array<[string, unknown]> = [
    ['waitUntilReady with a readinessProbe (Auto and Native)', { app, sidecars: [ready] }],
    [
      'waitUntilReady false with sidecarMode Classic',
      { app, sidecarMode: 'Classic', sidecars: [{ ...ready, waitUntilReady: false }] },
    ],
    [
      'an optional sidecar in any mode',
      { app, sidecarMode: 'Classic', sidecars: [{ name: 'log', image: 'b', optional: true }] },
    ],
    ['optional: false on an init step', { app, initSteps: [{ name: 'migrate', image: 'm', optional: false }] }],
  ];
  for (const [name, spec] of policies)
    it(`accepts ${name}`, () => {
      const parsed = parseSpec(spec);
      assert.ok(parsed.ok, parsed.ok ? '' : parsed.errors.join(' | '));
    });

  const invalid: Array<[string, unknown, RegExp]> = [
    ['no app image', { app: { name: 'web' } }, /^spec\.app\.image: /],
    ['a negative replica count', { app, replicas: -1 }, /^spec\.replicas: Too small/],
    [
      'a port out of range',
      { app: { ...app, ports: [{ containerPort: 70000 }] } },
      /^spec\.app\.ports\[0\]\.containerPort: Too big/,
    ],
    [
      'an unknown sidecarMode',
      { app, sidecarMode: 'Sometimes' },
      /^spec\.sidecarMode: Invalid option: expected one of "Auto"\|"Native"\|"Classic"/,
    ],
    [
      'a step with neither image nor waitFor',
      { app, initSteps: [{ name: 's' }] },
      /^spec\.initSteps\[0\]: an init step needs an image \(or a waitFor\)/,
    ],
    [
      'a waitFor with a command',
      { app, initSteps: [{ name: 's', command: ['x'], waitFor: { tcp: { host: 'h', port: 1 } } }] },
      /sets neither command nor args/,
    ],
    [
      'a waitFor with both tcp and http',
      { app, initSteps: [{ name: 's', waitFor: { tcp: { host: 'h', port: 1 }, http: { url: 'http://h' } } }] },
      /^spec\.initSteps\[0\]\.waitFor: waitFor needs exactly one of tcp or http/,
    ],
    [
      'a waitFor url that is not http',
      { app, initSteps: [{ name: 's', waitFor: { http: { url: 'ftp://h' } } }] },
      /^spec\.initSteps\[0\]\.waitFor\.http\.url: must be an http/,
    ],
    [
      'a step named like the app',
      { app, initSteps: [{ name: 'web', image: 'x' }] },
      /^spec\.initSteps\[0\]\.name: names must be unique .*"web" is also spec\.app/,
    ],
    [
      'a sidecar named like a step',
      { app, initSteps: [{ name: 'x', image: 'x' }], sidecars: [{ name: 'x', image: 'x' }] },
      /^spec\.sidecars\[0\]\.name: names must be unique/,
    ],
    [
      'startBeforeInitSteps in Classic mode',
      { app, sidecarMode: 'Classic', sidecars: [{ name: 'p', image: 'x', startBeforeInitSteps: true }] },
      /^spec\.sidecars\[0\]\.startBeforeInitSteps: startBeforeInitSteps needs native sidecars/,
    ],
    [
      'a sharedVolume named like a volume',
      { app, volumes: [{ name: 'data', emptyDir: {} }], sharedVolumes: [{ name: 'data', mountPath: '/d' }] },
      /^spec\.sharedVolumes\[0\]\.name: sharedVolumes names must not repeat/,
    ],
    [
      'a relative sharedVolume path',
      { app, sharedVolumes: [{ name: 'data', mountPath: 'd' }] },
      /^spec\.sharedVolumes\[0\]\.mountPath: must be an absolute path/,
    ],
    [
      'a container name that is not a DNS label',
      { app: { name: 'Web_1', image: 'x' } },
      /^spec\.app\.name: must be a DNS label/,
    ],
    [
      'a mount of a volume the Pod does not have',
      { app, sidecars: [{ name: 'log', image: 'x', volumeMounts: [{ name: 'logs', mountPath: '/l' }] }] },
      /^spec\.sidecars\[0\]\.volumeMounts\[0\]\.name: no volume named "logs" in volumes or sharedVolumes/,
    ],
    [
      'two long-running containers on one port',
      {
        app: { ...app, ports: [{ containerPort: 8080 }] },
        sidecars: [{ name: 'proxy', image: 'x', ports: [{ containerPort: 8080 }] }],
      },
      /^spec\.sidecars\[0\]\.ports\[0\]: port 8080\/TCP is also declared by spec\.app \(web\); containers in a Pod share one network namespace/,
    ],
    [
      'an init step with a restartPolicy',
      { app, initSteps: [{ name: 's', image: 'x', restartPolicy: 'Always' }] },
      /declare long-running helpers under sidecars/,
    ],
    [
      'an empty mountPath',
      { app: { ...app, volumeMounts: [{ name: 'd', mountPath: '' }] }, volumes: [{ name: 'd', emptyDir: {} }] },
      /^spec\.app\.volumeMounts\[0\]\.mountPath: Too small/,
    ],
    [
      'a relative mountPath',
      {
        app,
        sidecars: [{ name: 'log', image: 'x', volumeMounts: [{ name: 'd', mountPath: 'logs' }] }],
        volumes: [{ name: 'd', emptyDir: {} }],
      },
      /^spec\.sidecars\[0\]\.volumeMounts\[0\]\.mountPath: must be an absolute path/,
    ],
    [
      'a mount on the path of a sharedVolume',
      {
        app: { ...app, volumeMounts: [{ name: 'd', mountPath: '/logs' }] },
        volumes: [{ name: 'd', emptyDir: {} }],
        sharedVolumes: [{ name: 'logs', mountPath: '/logs' }],
      },
      /^spec\.app\.volumeMounts\[0\]\.mountPath: "\/logs" is where sharedVolume "logs" is mounted in every container/,
    ],
    [
      'two sharedVolumes on one path',
      {
        app,
        sharedVolumes: [
          { name: 'a', mountPath: '/s' },
          { name: 'b', mountPath: '/s' },
        ],
      },
      /^spec\.sharedVolumes\[1\]\.mountPath: sharedVolumes need distinct mountPaths/,
    ],
    [
      'a port name a Pod refuses',
      { app: { ...app, ports: [{ containerPort: 80, name: 'Web_Port' }] } },
      /^spec\.app\.ports\[0\]\.name: must be a port name/,
    ],
    [
      'a label key a Pod refuses',
      { app, podTemplate: { metadata: { labels: { 'team name': 'web' } } } },
      /^spec\.podTemplate\.metadata\.labels: key "team name" must be a qualified name/,
    ],
    [
      'a label value a Pod refuses',
      { app, podTemplate: { metadata: { labels: { team: 'web team' } } } },
      /^spec\.podTemplate\.metadata\.labels\.team: must be a label value/,
    ],
    [
      'an annotation key a Pod refuses',
      { app, podTemplate: { metadata: { annotations: { '-x/y': 'z' } } } },
      /^spec\.podTemplate\.metadata\.annotations: key "-x\/y" must be a qualified name/,
    ],
    // Found by the fuzz tests (test/unit/fuzz): each passed validation and made a Pod the API server refuses, or made rendering throw.
    [
      'a probe on an init step',
      { app, initSteps: [{ name: 's', image: 'x', readinessProbe: { exec: { command: ['true'] } } }] },
      /^spec\.initSteps\[0\]\.readinessProbe: init steps run to completion, so they take no probes or lifecycle hooks/,
    ],
    [
      'two mounts on one path in a container',
      {
        app: {
          ...app,
          volumeMounts: [
            { name: 'd', mountPath: '/d' },
            { name: 'd', mountPath: '/d' },
          ],
        },
        volumes: [{ name: 'd', emptyDir: {} }],
      },
      /^spec\.app\.volumeMounts\[1\]\.mountPath: "\/d" is also the mountPath of spec\.app\.volumeMounts\[0\]/,
    ],
    [
      'two ports of one name in a container',
      {
        app: {
          ...app,
          ports: [
            { containerPort: 80, name: 'web' },
            { containerPort: 81, name: 'web' },
          ],
        },
      },
      /^spec\.app\.ports\[1\]\.name: "web" is also the name of spec\.app\.ports\[0\]/,
    ],
    [
      'two volumes of one name',
      {
        app,
        volumes: [
          { name: 'd', emptyDir: {} },
          { name: 'd', emptyDir: {} },
        ],
      },
      /^spec\.volumes\[1\]\.name: "d" is also spec\.volumes\[0\]/,
    ],
    [
      'waitUntilReady without a readinessProbe',
      { app, sidecars: [{ name: 'proxy', image: 'envoy', waitUntilReady: true }] },
      /^spec\.sidecars\[0\]\.waitUntilReady: waitUntilReady waits for the readinessProbe to pass: give this sidecar a readinessProbe$/,
    ],
    [
      'waitUntilReady with a startupProbe of its own',
      { app, sidecars: [{ ...ready, startupProbe: { tcpSocket: { port: 9901 } } }] },
      /^spec\.sidecars\[0\]\.waitUntilReady: waitUntilReady makes the startupProbe from the readinessProbe: remove the startupProbe/,
    ],
    [
      'waitUntilReady with sidecarMode Classic',
      { app, sidecarMode: 'Classic', sidecars: [ready] },
      /^spec\.sidecars\[0\]\.waitUntilReady: waitUntilReady needs native sidecars: it is invalid with sidecarMode Classic$/,
    ],
    [
      'an optional sidecar with waitUntilReady',
      { app, sidecars: [{ ...ready, optional: true }] },
      /^spec\.sidecars\[0\]\.optional: an optional sidecar cannot have waitUntilReady/,
    ],
    [
      'an optional init step',
      { app, initSteps: [{ name: 'migrate', image: 'm', optional: true }] },
      /^spec\.initSteps\[0\]\.optional: optional is for sidecars: the app starts only after every init step succeeded/,
    ],
    [
      'waitUntilReady "yes"',
      { app, sidecars: [{ ...ready, waitUntilReady: 'yes' }] },
      /^spec\.sidecars\[0\]\.waitUntilReady: Invalid input: expected boolean/,
    ],
    [
      'an image with whitespace around it',
      { app: { ...app, image: 'nginx ' } },
      /^spec\.app\.image: must not have leading or trailing whitespace/,
    ],
    [
      'a negative step timeoutSeconds',
      { app, initSteps: [{ name: 'm', image: 'm', timeoutSeconds: -5 }] },
      /^spec\.initSteps\[0\]\.timeoutSeconds: Too small/,
    ],
    [
      'a step timeoutSeconds of 0',
      { app, initSteps: [{ name: 'm', image: 'm', timeoutSeconds: 0 }] },
      /^spec\.initSteps\[0\]\.timeoutSeconds: Too small/,
    ],
    [
      'negative retries',
      { app, initSteps: [{ name: 'm', image: 'm', retries: -1 }] },
      /^spec\.initSteps\[0\]\.retries: Too small/,
    ],
    [
      'retries that are not a whole number',
      { app, initSteps: [{ name: 'm', image: 'm', retries: 1.5 }] },
      /^spec\.initSteps\[0\]\.retries: /,
    ],
    [
      'env that is not a list',
      { app, initSteps: [{ name: 'db', env: false, waitFor: { tcp: { host: 'db', port: 5432 } } }] },
      /^spec\.initSteps\[0\]\.env: Invalid input: expected array/,
    ],
  ];
  for (const [name, spec, message] of invalid) {
    it(`refuses ${name}, naming the field`, () => {
      const parsed = parseSpec(spec);
      assert.equal(parsed.ok, false);
      if (!parsed.ok)
        assert.ok(
          parsed.errors.some((e) => message.test(e)),
          `got: ${parsed.errors.join(' | ')}`,
        );
    });
  }
});
