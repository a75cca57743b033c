/** (a) Valid specs: the names and values people write, assembled into specs valid by construction. */
import fc from 'fast-check';
import type { AppSpecInput } from '../../src/api/spec';
import { dict, opt, rec, text, type Json } from './common';

const NAMES = [
  'app',
  'web',
  'api',
  'worker',
  'db',
  'proxy',
  'envoy',
  'log',
  'logs',
  'log-shipper',
  'metrics',
  'migrate',
  'config',
  'wait-for-db',
  'wait-for-api',
  'cache',
  'init',
  'setup',
  'sidecar',
  'data',
  'shared-data',
  'tmp',
  'config-initializer',
];

/** A DNS label (RFC 1123): container and volume names. */
export const dnsLabel: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...NAMES) },
  { weight: 2, arbitrary: fc.stringMatching(/^[a-z][a-z0-9-]{0,10}[a-z0-9]$/) },
  { weight: 1, arbitrary: fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/) },
);

/** An AppWithHelpers name: a DNS subdomain the CRD keeps to 63 characters (it is a label value). */
export const appName: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('shop', 'myapp-combined', 'failing-step', 'a', 'x'.repeat(63)) },
  {
    weight: 2,
    arbitrary: fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,30}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,10}[a-z0-9])?)?$/),
  },
);

const image = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      'nginx:1.25.3',
      'busybox:1.36',
      'envoyproxy/envoy:v1.29.0',
      'registry.example.com:5000/team/app:2.1',
      `ghcr.io/acme/migrate@sha256:${'a1'.repeat(32)}`,
      'postgres',
      'fluent/fluent-bit:3.0',
    ),
  },
  { weight: 1, arbitrary: fc.stringMatching(/^[a-z0-9]+([._/-][a-z0-9]+){0,4}(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,20})?$/) },
);
const command = fc.oneof(
  fc.constant(['sh', '-c', 'echo "Hello" > /config/app.conf']),
  fc.tuple(fc.constant('sh'), fc.constant('-c'), text(80)).map((t) => [...t]),
  fc.array(text(20), { minLength: 1, maxLength: 4 }),
);
const args = fc.array(text(20), { maxLength: 4 });
const envName = fc.stringMatching(/^[A-Z_][A-Z0-9_]{0,15}$/);
const env = fc.uniqueArray(
  fc.oneof(
    { weight: 4, arbitrary: fc.record({ name: envName, value: text(40) }) },
    {
      weight: 1,
      arbitrary: fc.record({
        name: envName,
        valueFrom: fc.record({
          fieldRef: fc.record({
            fieldPath: fc.constantFrom('metadata.name', 'metadata.namespace', 'status.podIP', 'spec.nodeName'),
          }),
        }),
      }),
    },
  ),
  { selector: (e) => e.name, maxLength: 4 },
);

const portName = fc.oneof(
  fc.constantFrom('http', 'https', 'metrics', 'grpc', 'admin', 'health'),
  fc.stringMatching(/^[a-z]{1,6}(-[a-z0-9]{1,4})?$/),
);
const port = rec(
  {
    containerPort: fc.oneof(fc.constantFrom(80, 443, 8080, 9090, 5432), fc.integer({ min: 1, max: 65535 })),
    name: portName,
    protocol: fc.constantFrom('TCP', 'UDP', 'SCTP'),
  },
  ['containerPort'],
);
const ports = fc.array(port, { maxLength: 3 });

const CPU = ['10m', '50m', '100m', '250m', '500m', '1', '2'];
const MEMORY = ['16Mi', '32Mi', '64Mi', '128Mi', '256Mi', '1Gi'];
/** A request no bigger than its limit, as the API server wants; either may be left out. */
const quantityPair = (values: string[]) =>
  fc
    .tuple(fc.nat(values.length - 1), fc.nat(values.length - 1), fc.constantFrom('requests', 'limits', 'both'))
    .map(([a, b, which]) => ({
      request: which !== 'limits' ? values[Math.min(a, b)] : undefined,
      limit: which !== 'requests' ? values[Math.max(a, b)] : undefined,
    }));
const resources = fc
  .record({ cpu: opt(quantityPair(CPU)), memory: opt(quantityPair(MEMORY)) })
  .map(({ cpu, memory }) => {
    const pick = (k: 'request' | 'limit') =>
      Object.fromEntries(
        [
          ['cpu', cpu?.[k]],
          ['memory', memory?.[k]],
        ].filter(([, v]) => v),
      );
    const requests = pick('request');
    const limits = pick('limit');
    return { ...(Object.keys(requests).length ? { requests } : {}), ...(Object.keys(limits).length ? { limits } : {}) };
  });
const securityContext = rec({
  runAsNonRoot: fc.boolean(),
  runAsUser: fc.integer({ min: 1000, max: 65535 }),
  allowPrivilegeEscalation: fc.boolean(),
  readOnlyRootFilesystem: fc.boolean(),
  capabilities: fc.constant({ drop: ['ALL'] }),
});
const probe = fc
  .tuple(
    fc.oneof(
      fc.record({
        httpGet: fc.record({
          path: fc.constantFrom('/healthz', '/ready', '/'),
          port: fc.integer({ min: 1, max: 65535 }),
        }),
      }),
      fc.record({ tcpSocket: fc.record({ port: fc.integer({ min: 1, max: 65535 }) }) }),
      fc.record({ exec: fc.record({ command: fc.constant(['cat', '/tmp/ready']) }) }),
    ),
    rec({
      periodSeconds: fc.integer({ min: 1, max: 30 }),
      initialDelaySeconds: fc.integer({ min: 0, max: 10 }),
      failureThreshold: fc.integer({ min: 1, max: 5 }),
    }),
  )
  .map(([handler, timing]) => ({ ...handler, ...timing }));
const lifecycle = fc.constant({ preStop: { exec: { command: ['sh', '-c', 'sleep 1'] } } });

const mountPath = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.constantFrom('/data', '/config', '/cache', '/var/log/app', '/etc/app', '/tmp/work', '/shared'),
  },
  { weight: 1, arbitrary: fc.stringMatching(/^(\/[a-z0-9_-]{1,12}){1,3}$/) },
);
/** A mount of "some volume": `pick` chooses among the spec's volumes once they are known. */
const mountDraft = rec({ pick: fc.nat(), mountPath, readOnly: fc.boolean(), subPath: fc.constantFrom('sub', 'a/b') }, [
  'pick',
  'mountPath',
]);

const containerFields = {
  image,
  command,
  args,
  env,
  ports,
  resources,
  securityContext,
  imagePullPolicy: fc.constantFrom('Always', 'IfNotPresent', 'Never'),
  workingDir: fc.constantFrom('/work', '/app'),
  mounts: fc.array(mountDraft, { maxLength: 3 }),
};

const appDraft = rec({ ...containerFields, readinessProbe: probe, livenessProbe: probe, lifecycle }, [
  'image',
  'mounts',
]);
/** A step's own policies (issue 13): a deadline per attempt and a retry budget. */
const stepPolicies = {
  timeoutSeconds: fc.oneof(fc.constantFrom(30, 300, 3600), fc.integer({ min: 1, max: 2147483647 })),
  retries: fc.oneof(fc.constantFrom(0, 1, 3), fc.integer({ min: 0, max: 100 })),
};
const containerStepDraft = rec(
  {
    ...containerFields,
    ...stepPolicies,
    terminationMessagePolicy: fc.constantFrom('File', 'FallbackToLogsOnError'),
  },
  ['image', 'mounts'],
);
const waitFor = fc
  .tuple(
    fc.oneof(
      fc.record({
        tcp: fc.record({
          host: fc.oneof(
            fc.constantFrom('db', 'database-service', '10.0.0.1', 'api.default.svc.cluster.local'),
            fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,20}[a-z0-9])?(\.[a-z0-9]{1,10}){0,3}$/),
          ),
          port: fc.integer({ min: 1, max: 65535 }),
        }),
      }),
      fc.record({
        http: fc.record({
          url: fc.oneof(
            fc.constantFrom('http://api:8080/healthz', 'https://example.com/', 'http://10.0.0.1/ready?x=1&y=$(z)'),
            fc.webUrl({ validSchemes: ['http', 'https'], withQueryParameters: true, withFragments: true }),
          ),
        }),
      }),
    ),
    rec({ timeoutSeconds: fc.integer({ min: 1, max: 86400 }), periodSeconds: fc.integer({ min: 1, max: 3600 }) }),
  )
  .map(([target, timing]) => ({ ...target, ...timing }));
const waitStepDraft = rec(
  { waitFor, image, env, resources, mounts: fc.array(mountDraft, { maxLength: 2 }), ...stepPolicies },
  ['waitFor', 'mounts'],
);
const sidecarDraft = rec(
  {
    ...containerFields,
    startBeforeInitSteps: fc.boolean(),
    waitUntilReady: fc.boolean(),
    optional: fc.boolean(),
    readinessProbe: probe,
    startupProbe: probe,
    lifecycle,
  },
  ['image', 'mounts'],
);

const emptyDir = fc.oneof(
  fc.constant({}),
  fc.constant({ medium: 'Memory' }),
  fc.record({ sizeLimit: fc.constantFrom('64Mi', '1Gi') }),
);
const volumeSource = fc.oneof(
  { weight: 3, arbitrary: fc.record({ emptyDir }) },
  {
    weight: 2,
    arbitrary: fc.record({
      configMap: rec(
        {
          name: fc.oneof(
            fc.constantFrom('app-config', 'nginx-conf'),
            fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,20}[a-z0-9])?(\.[a-z0-9]{1,8})?$/),
          ),
          optional: fc.boolean(),
          defaultMode: fc.constantFrom(0o644, 0o400, 0o755),
          items: fc.constant([{ key: 'app.conf', path: 'app.conf' }]),
        },
        ['name'],
      ),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      secret: rec({ secretName: fc.constantFrom('tls', 'db-credentials'), optional: fc.boolean() }, ['secretName']),
    }),
  },
);

const labelKey = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('team', 'tier', 'env', 'app.kubernetes.io/part-of', 'example.com/owner') },
  {
    weight: 1,
    arbitrary: fc.stringMatching(
      /^([a-z0-9]([-a-z0-9]{0,10}[a-z0-9])?(\.[a-z0-9]{1,10}){0,2}\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,30}[A-Za-z0-9])?$/,
    ),
  },
);
const labelValue = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('web', 'backend', 'prod', '') },
  { weight: 1, arbitrary: fc.stringMatching(/^[A-Za-z0-9]([-A-Za-z0-9_.]{0,40}[A-Za-z0-9])?$/) },
);
const toleration = fc.constantFrom(
  { key: 'dedicated', operator: 'Equal', value: 'web', effect: 'NoSchedule' },
  { operator: 'Exists' },
  { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
);
const podSpec = rec({
  serviceAccountName: fc.constant('default'),
  terminationGracePeriodSeconds: fc.integer({ min: 0, max: 300 }),
  activeDeadlineSeconds: fc.integer({ min: 1, max: 86400 }),
  restartPolicy: fc.constantFrom('Always', 'OnFailure', 'Never'),
  dnsPolicy: fc.constantFrom('ClusterFirst', 'Default', 'ClusterFirstWithHostNet'),
  nodeSelector: dict(labelKey, labelValue, 2),
  tolerations: fc.array(toleration, { maxLength: 2 }),
  enableServiceLinks: fc.boolean(),
  automountServiceAccountToken: fc.boolean(),
  hostname: dnsLabel,
  shareProcessNamespace: fc.boolean(),
  securityContext: rec({
    runAsNonRoot: fc.boolean(),
    runAsUser: fc.integer({ min: 1000, max: 65535 }),
    fsGroup: fc.integer({ min: 1000, max: 65535 }),
    seccompProfile: fc.constant({ type: 'RuntimeDefault' }),
  }),
});
const podTemplate = rec({
  metadata: rec({ labels: dict(labelKey, labelValue, 3), annotations: dict(labelKey, text(100), 3) }),
  spec: podSpec,
});

export const MAX_STEPS = 4;
export const MAX_SIDECARS = 3;
const MAX_VOLUMES = 3;
const MAX_SHARED = 2;

const specDraft = fc.record({
  // One unique name per container: app, steps, sidecars; and one per volume.
  names: fc.uniqueArray(dnsLabel, { minLength: 1 + MAX_STEPS + MAX_SIDECARS, maxLength: 1 + MAX_STEPS + MAX_SIDECARS }),
  volumeNames: fc.uniqueArray(dnsLabel, { minLength: MAX_VOLUMES + MAX_SHARED, maxLength: MAX_VOLUMES + MAX_SHARED }),
  appNameLeftOut: fc.boolean(),
  replicas: opt(fc.integer({ min: 0, max: 3 })),
  app: appDraft,
  steps: fc.array(fc.oneof(containerStepDraft, waitStepDraft), { maxLength: MAX_STEPS }),
  sidecars: fc.array(sidecarDraft, { maxLength: MAX_SIDECARS }),
  sidecarMode: opt(fc.constantFrom('Auto', 'Native', 'Classic')),
  volumes: fc.array(volumeSource, { maxLength: MAX_VOLUMES }),
  shared: fc.array(mountPath, { maxLength: MAX_SHARED }),
  helperDefaults: opt(rec({ resources, securityContext })),
  podTemplate: opt(podTemplate),
  updateStrategy: opt(rec({ type: fc.constantFrom('RollingUpdate', 'Recreate') })),
});
type SpecDraft = typeof specDraft extends fc.Arbitrary<infer T> ? T : never;

/**
 * assembleSpec turns a draft into a spec valid by construction: names unique, mounts of volumes
 * that exist at paths unique in their container (sharedVolumes' paths included), no port two
 * long-running containers listen on, startBeforeInitSteps only where native sidecars may exist,
 * waitUntilReady only on a native sidecar with a readinessProbe, no startupProbe and not optional.
 */
function assembleSpec(d: SpecDraft): AppSpecInput {
  const volumeNames = d.volumeNames.slice(0, d.volumes.length);
  const sharedPaths = [...new Set(d.shared)];
  const shared = sharedPaths.map((mountPath, i) => ({ name: d.volumeNames[MAX_VOLUMES + i], mountPath }));
  const mountable = [...volumeNames, ...shared.map((v) => v.name)];
  const usedPorts = new Set<string>();
  const container = (draft: Json, name: string | undefined, longRunning: boolean): Json => {
    const {
      mounts,
      ports: portDrafts,
      ...rest
    } = draft as {
      mounts: Array<{ pick: number; mountPath: string; readOnly?: boolean; subPath?: string }>;
      ports?: Json[];
    } & Json;
    const paths = new Set(sharedPaths);
    const volumeMounts = mountable.length
      ? mounts.flatMap(({ pick, ...m }) => {
          if (paths.has(m.mountPath)) return [];
          paths.add(m.mountPath);
          return [{ name: mountable[pick % mountable.length], ...m }];
        })
      : [];
    const portNames = new Set<string>();
    const keptPorts = (portDrafts ?? []).flatMap((p) => {
      const key = `${p.containerPort}/${p.protocol ?? 'TCP'}`;
      if (longRunning && usedPorts.has(key)) return [];
      if (longRunning) usedPorts.add(key);
      const named = typeof p.name === 'string' && !portNames.has(p.name);
      if (named) portNames.add(p.name as string);
      const { name: _, ...unnamed } = p;
      return [named ? p : unnamed];
    });
    return {
      ...(name === undefined ? {} : { name }),
      ...rest,
      ...(portDrafts ? { ports: keptPorts } : {}),
      ...(volumeMounts.length ? { volumeMounts } : {}),
    };
  };
  const [appNameOf, ...helperNames] = d.names;
  const leaveOut = d.appNameLeftOut && !helperNames.includes('app');
  const classic = d.sidecarMode === 'Classic';
  const spec: Json = {
    ...(d.replicas === undefined ? {} : { replicas: d.replicas }),
    app: container(d.app, leaveOut ? undefined : appNameOf, true),
    ...(d.steps.length ? { initSteps: d.steps.map((s, i) => container(s, helperNames[i], false)) } : {}),
    ...(d.sidecars.length
      ? {
          sidecars: d.sidecars.map((s, i) => {
            const c = container(s, helperNames[MAX_STEPS + i], true);
            if (classic && c.startBeforeInitSteps) delete c.startBeforeInitSteps;
            // waitUntilReady: native sidecars with a readinessProbe, no startupProbe of their own, not optional.
            if (c.waitUntilReady && (classic || !c.readinessProbe)) delete c.waitUntilReady;
            if (c.waitUntilReady) delete c.startupProbe;
            if (c.waitUntilReady && c.optional) delete c.optional;
            return c;
          }),
        }
      : {}),
    ...(d.sidecarMode ? { sidecarMode: d.sidecarMode } : {}),
    ...(d.volumes.length ? { volumes: d.volumes.map((v, i) => ({ name: volumeNames[i], ...v })) } : {}),
    ...(shared.length ? { sharedVolumes: shared } : {}),
    ...(d.helperDefaults ? { helperDefaults: d.helperDefaults } : {}),
    ...(d.podTemplate ? { podTemplate: d.podTemplate } : {}),
    ...(d.updateStrategy ? { updateStrategy: d.updateStrategy } : {}),
  };
  return spec as AppSpecInput;
}

/** (a) A valid spec, as a person would write it: every field of API.md, in any combination. */
export const validSpec: fc.Arbitrary<AppSpecInput> = specDraft.map(assembleSpec);
