/**
 * fast-check arbitraries for the fuzz tests: valid specs as people write them, the same specs
 * broken at random or by a plausible mistake, and the Pods they become in any state of their life.
 *
 * Runs are reproducible: every property uses FUZZ_SEED (fixed; fast-check prints seed and path
 * of a failure). FUZZ_SEED=<n> and FUZZ_RUNS=<n> explore further locally.
 */
import fc from 'fast-check';
import type { V1Pod } from '@kubernetes/client-node';
import { LABEL_TEMPLATE_HASH } from '../src/api/constants';
import { parseSpec, type AppSpec, type AppSpecInput } from '../src/api/schema';
import { renderPod, renderPodTemplate, resolveSidecarMode, type RenderOptions } from '../src/core/render';
import { NOW } from './fixtures';

export const FUZZ_SEED = Number(process.env.FUZZ_SEED ?? 20261126);

/** fuzzParams gives fc.assert its fixed seed and run count (FUZZ_RUNS overrides the count). */
export function fuzzParams(numRuns: number): { seed: number; numRuns: number } {
  return { seed: FUZZ_SEED, numRuns: Number(process.env.FUZZ_RUNS ?? numRuns) };
}

type Json = Record<string, unknown>;

/** Records as JSON gives them: plain prototype; keys listed in `required` always present. */
const rec = <T extends Json>(model: { [K in keyof T]: fc.Arbitrary<T[K]> }, required: Array<keyof T> = []) =>
  fc.record(model, { requiredKeys: required, noNullPrototype: true }) as fc.Arbitrary<Partial<T>>;
const opt = <T>(arb: fc.Arbitrary<T>, freq = 2) => fc.option(arb, { nil: undefined, freq });
const dict = <T>(key: fc.Arbitrary<string>, value: fc.Arbitrary<T>, maxKeys: number) => fc.dictionary(key, value, { maxKeys, noNullPrototype: true });

// ---- Names and values people write ----

const NAMES = ['app', 'web', 'api', 'worker', 'db', 'proxy', 'envoy', 'log', 'logs', 'log-shipper', 'metrics', 'migrate', 'config',
  'wait-for-db', 'wait-for-api', 'cache', 'init', 'setup', 'sidecar', 'data', 'shared-data', 'tmp', 'config-initializer'];

/** A DNS label (RFC 1123): container and volume names. */
export const dnsLabel: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...NAMES) },
  { weight: 2, arbitrary: fc.stringMatching(/^[a-z][a-z0-9-]{0,10}[a-z0-9]$/) },
  { weight: 1, arbitrary: fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/) },
);

/** An AppWithHelpers name: a DNS subdomain the CRD keeps to 63 characters (it is a label value). */
export const appName: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('shop', 'myapp-combined', 'failing-step', 'a', 'x'.repeat(63)) },
  { weight: 2, arbitrary: fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,30}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,10}[a-z0-9])?)?$/) },
);

const image = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('nginx:1.25.3', 'busybox:1.36', 'envoyproxy/envoy:v1.29.0', 'registry.example.com:5000/team/app:2.1',
    `ghcr.io/acme/migrate@sha256:${'a1'.repeat(32)}`, 'postgres', 'fluent/fluent-bit:3.0') },
  { weight: 1, arbitrary: fc.stringMatching(/^[a-z0-9]+([._/-][a-z0-9]+){0,4}(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,20})?$/) },
);
const text = (maxLength: number) => fc.string({ unit: 'grapheme', maxLength });
const command = fc.oneof(
  fc.constant(['sh', '-c', 'echo "Hello" > /config/app.conf']),
  fc.tuple(fc.constant('sh'), fc.constant('-c'), text(80)).map((t) => [...t]),
  fc.array(text(20), { minLength: 1, maxLength: 4 }),
);
const args = fc.array(text(20), { maxLength: 4 });
const envName = fc.stringMatching(/^[A-Z_][A-Z0-9_]{0,15}$/);
const env = fc.uniqueArray(fc.oneof(
  { weight: 4, arbitrary: fc.record({ name: envName, value: text(40) }) },
  { weight: 1, arbitrary: fc.record({ name: envName, valueFrom: fc.record({ fieldRef: fc.record({ fieldPath: fc.constantFrom('metadata.name', 'metadata.namespace', 'status.podIP', 'spec.nodeName') }) }) }) },
), { selector: (e) => e.name, maxLength: 4 });

const portName = fc.oneof(fc.constantFrom('http', 'https', 'metrics', 'grpc', 'admin', 'health'), fc.stringMatching(/^[a-z]{1,6}(-[a-z0-9]{1,4})?$/));
const port = rec({
  containerPort: fc.oneof(fc.constantFrom(80, 443, 8080, 9090, 5432), fc.integer({ min: 1, max: 65535 })),
  name: portName,
  protocol: fc.constantFrom('TCP', 'UDP', 'SCTP'),
}, ['containerPort']);
const ports = fc.array(port, { maxLength: 3 });

const CPU = ['10m', '50m', '100m', '250m', '500m', '1', '2'];
const MEMORY = ['16Mi', '32Mi', '64Mi', '128Mi', '256Mi', '1Gi'];
/** A request no bigger than its limit, as the API server wants; either may be left out. */
const quantityPair = (values: string[]) => fc.tuple(fc.nat(values.length - 1), fc.nat(values.length - 1), fc.constantFrom('requests', 'limits', 'both'))
  .map(([a, b, which]) => ({ request: which !== 'limits' ? values[Math.min(a, b)] : undefined, limit: which !== 'requests' ? values[Math.max(a, b)] : undefined }));
const resources = fc.record({ cpu: opt(quantityPair(CPU)), memory: opt(quantityPair(MEMORY)) }).map(({ cpu, memory }) => {
  const pick = (k: 'request' | 'limit') => Object.fromEntries([['cpu', cpu?.[k]], ['memory', memory?.[k]]].filter(([, v]) => v));
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
const probe = fc.tuple(
  fc.oneof(
    fc.record({ httpGet: fc.record({ path: fc.constantFrom('/healthz', '/ready', '/'), port: fc.integer({ min: 1, max: 65535 }) }) }),
    fc.record({ tcpSocket: fc.record({ port: fc.integer({ min: 1, max: 65535 }) }) }),
    fc.record({ exec: fc.record({ command: fc.constant(['cat', '/tmp/ready']) }) }),
  ),
  rec({ periodSeconds: fc.integer({ min: 1, max: 30 }), initialDelaySeconds: fc.integer({ min: 0, max: 10 }), failureThreshold: fc.integer({ min: 1, max: 5 }) }),
).map(([handler, timing]) => ({ ...handler, ...timing }));
const lifecycle = fc.constant({ preStop: { exec: { command: ['sh', '-c', 'sleep 1'] } } });

const mountPath = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('/data', '/config', '/cache', '/var/log/app', '/etc/app', '/tmp/work', '/shared') },
  { weight: 1, arbitrary: fc.stringMatching(/^(\/[a-z0-9_-]{1,12}){1,3}$/) },
);
/** A mount of "some volume": `pick` chooses among the spec's volumes once they are known. */
const mountDraft = rec({ pick: fc.nat(), mountPath, readOnly: fc.boolean(), subPath: fc.constantFrom('sub', 'a/b') }, ['pick', 'mountPath']);

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

const appDraft = rec({ ...containerFields, readinessProbe: probe, livenessProbe: probe, lifecycle }, ['image', 'mounts']);
const containerStepDraft = rec({
  ...containerFields,
  terminationMessagePolicy: fc.constantFrom('File', 'FallbackToLogsOnError'),
}, ['image', 'mounts']);
const waitFor = fc.tuple(
  fc.oneof(
    fc.record({
      tcp: fc.record({
        host: fc.oneof(fc.constantFrom('db', 'database-service', '10.0.0.1', 'api.default.svc.cluster.local'), fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,20}[a-z0-9])?(\.[a-z0-9]{1,10}){0,3}$/)),
        port: fc.integer({ min: 1, max: 65535 }),
      }),
    }),
    fc.record({
      http: fc.record({
        url: fc.oneof(fc.constantFrom('http://api:8080/healthz', 'https://example.com/', 'http://10.0.0.1/ready?x=1&y=$(z)'), fc.webUrl({ validSchemes: ['http', 'https'], withQueryParameters: true, withFragments: true })),
      }),
    }),
  ),
  rec({ timeoutSeconds: fc.integer({ min: 1, max: 86400 }), periodSeconds: fc.integer({ min: 1, max: 3600 }) }),
).map(([target, timing]) => ({ ...target, ...timing }));
const waitStepDraft = rec({ waitFor, image, env, resources, mounts: fc.array(mountDraft, { maxLength: 2 }) }, ['waitFor', 'mounts']);
const sidecarDraft = rec({ ...containerFields, startBeforeInitSteps: fc.boolean(), readinessProbe: probe, startupProbe: probe, lifecycle }, ['image', 'mounts']);

const emptyDir = fc.oneof(fc.constant({}), fc.constant({ medium: 'Memory' }), fc.record({ sizeLimit: fc.constantFrom('64Mi', '1Gi') }));
const volumeSource = fc.oneof(
  { weight: 3, arbitrary: fc.record({ emptyDir }) },
  {
    weight: 2,
    arbitrary: fc.record({
      configMap: rec({
        name: fc.oneof(fc.constantFrom('app-config', 'nginx-conf'), fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,20}[a-z0-9])?(\.[a-z0-9]{1,8})?$/)),
        optional: fc.boolean(),
        defaultMode: fc.constantFrom(0o644, 0o400, 0o755),
        items: fc.constant([{ key: 'app.conf', path: 'app.conf' }]),
      }, ['name']),
    }),
  },
  { weight: 1, arbitrary: fc.record({ secret: rec({ secretName: fc.constantFrom('tls', 'db-credentials'), optional: fc.boolean() }, ['secretName']) }) },
);

const labelKey = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('team', 'tier', 'env', 'app.kubernetes.io/part-of', 'example.com/owner') },
  { weight: 1, arbitrary: fc.stringMatching(/^([a-z0-9]([-a-z0-9]{0,10}[a-z0-9])?(\.[a-z0-9]{1,10}){0,2}\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,30}[A-Za-z0-9])?$/) },
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
  securityContext: rec({ runAsNonRoot: fc.boolean(), runAsUser: fc.integer({ min: 1000, max: 65535 }), fsGroup: fc.integer({ min: 1000, max: 65535 }), seccompProfile: fc.constant({ type: 'RuntimeDefault' }) }),
});
const podTemplate = rec({
  metadata: rec({ labels: dict(labelKey, labelValue, 3), annotations: dict(labelKey, text(100), 3) }),
  spec: podSpec,
});

const MAX_STEPS = 4;
const MAX_SIDECARS = 3;
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
 * long-running containers listen on, startBeforeInitSteps only where native sidecars may exist.
 */
function assembleSpec(d: SpecDraft): AppSpecInput {
  const volumeNames = d.volumeNames.slice(0, d.volumes.length);
  const sharedPaths = [...new Set(d.shared)];
  const shared = sharedPaths.map((mountPath, i) => ({ name: d.volumeNames[MAX_VOLUMES + i], mountPath }));
  const mountable = [...volumeNames, ...shared.map((v) => v.name)];
  const usedPorts = new Set<string>();
  const container = (draft: Json, name: string | undefined, longRunning: boolean): Json => {
    const { mounts, ports: portDrafts, ...rest } = draft as { mounts: Array<{ pick: number; mountPath: string; readOnly?: boolean; subPath?: string }>; ports?: Json[] } & Json;
    const paths = new Set(sharedPaths);
    const volumeMounts = mountable.length ? mounts.flatMap(({ pick, ...m }) => {
      if (paths.has(m.mountPath)) return [];
      paths.add(m.mountPath);
      return [{ name: mountable[pick % mountable.length], ...m }];
    }) : [];
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
    ...(d.sidecars.length ? {
      sidecars: d.sidecars.map((s, i) => {
        const c = container(s, helperNames[MAX_STEPS + i], true);
        if (classic && c.startBeforeInitSteps) delete c.startBeforeInitSteps;
        return c;
      }),
    } : {}),
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

// ---- (b) Broken specs ----

/** Values that break a field: wrong types, empty, huge, negative, long, null, and any JSON. */
export const junk: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('', null, -1, 0, 1.5, 1e308, -1e308, 2 ** 53 + 2, 65536, true, false, [], {}, ' nginx ', 'Web_1', '-a', 'a'.repeat(64), 'x'.repeat(5000), '../etc', '\u0000', 'ünïcödé') },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
  { weight: 1, arbitrary: fc.anything({ maxDepth: 2 }) },
  { weight: 1, arbitrary: fc.oneof(fc.string(), fc.integer(), fc.double()) },
);

type Slot = { parent: Json | unknown[]; key: string | number };
function slotsOf(root: unknown): Slot[] {
  const out: Slot[] = [];
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach((x, i) => { out.push({ parent: v, key: i }); walk(x); });
    else if (v && typeof v === 'object') for (const k of Object.keys(v)) { out.push({ parent: v as Json, key: k }); walk((v as Json)[k]); }
  };
  walk(root);
  return out;
}
/** setOwn adds a key as JSON.parse does, so "__proto__" becomes an own property, not the prototype. */
function setOwn(o: Json, key: string, value: unknown) {
  Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true });
}

type Mutation =
  | { kind: 'delete'; pick: number }
  | { kind: 'replace'; pick: number; value: unknown }
  | { kind: 'addKey'; pick: number; key: string; value: unknown }
  | { kind: 'mistake'; which: number; pick: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('delete' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('replace' as const), pick: fc.nat(), value: junk }),
  fc.record({ kind: fc.constant('addKey' as const), pick: fc.nat(), key: fc.oneof(fc.constantFrom('__proto__', 'constructor', 'toString', 'name', 'image', 'env', 'waitFor', 'restartPolicy', 'readinessProbe',
    'containers', 'initContainers', 'ephemeralContainers', 'volumes', 'x-unknown'), fc.string()), value: junk }),
  fc.record({ kind: fc.constant('mistake' as const), which: fc.nat(), pick: fc.nat() }),
);

/** A copy of a generated value, so a test that freezes its input never freezes fast-check's own. */
function copy(value: unknown): unknown {
  try { return structuredClone(value); } catch { return value; }
}

function mutate(spec: AppSpecInput, mutations: Mutation[]): unknown {
  let root: unknown = structuredClone(spec);
  for (const original of mutations) {
    const m = 'value' in original ? { ...original, value: copy(original.value) } : original;
    if (m.kind === 'mistake') {
      if (isObject(root)) MISTAKES[m.which % MISTAKES.length].apply(root, m.pick);
      continue;
    }
    const slots = slotsOf(root);
    if (m.kind === 'addKey') {
      const objects = [root, ...slots.map((s) => (s.parent as Json)[s.key as string])].filter((v): v is Json => !!v && typeof v === 'object' && !Array.isArray(v));
      if (objects.length) setOwn(objects[m.pick % objects.length], m.key, m.value);
      continue;
    }
    if (!slots.length) { root = m.kind === 'replace' ? m.value : root; continue; }
    const { parent, key } = slots[m.pick % slots.length];
    if (m.kind === 'delete') {
      if (Array.isArray(parent)) parent.splice(key as number, 1); else delete parent[key as string];
    } else if (Array.isArray(parent)) parent[key as number] = m.value;
    else setOwn(parent, key as string, m.value);
  }
  return root;
}

/** (b) A valid spec broken by 1-3 random mutations, or any value at all. */
export const mutatedSpec: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 8, arbitrary: fc.tuple(validSpec, fc.array(mutation, { minLength: 1, maxLength: 3 })).map(([spec, ms]) => mutate(spec, ms)) },
  { weight: 1, arbitrary: fc.jsonValue() },
  { weight: 1, arbitrary: fc.anything() },
);

// ---- Plausible mistakes: each must be refused, naming the field ----

interface Mistake {
  name: string;
  /** apply breaks a (cloned) valid spec; `pick` chooses where. */
  apply(spec: Json, pick: number): { spec: Json; expect: RegExp };
}
type C = Json & { name?: string; volumeMounts?: Json[]; ports?: Json[] };
const isObject = (v: unknown): v is Json => !!v && typeof v === 'object' && !Array.isArray(v);
/** The helpers below also work on a spec random mutations already broke. */
const listOf = (s: Json, key: string): unknown[] => (Array.isArray(s[key]) ? s[key] : (s[key] = [])) as unknown[];
const steps = (s: Json) => listOf(s, 'initSteps').filter(isObject) as C[];
const sidecarsOf = (s: Json) => listOf(s, 'sidecars').filter(isObject) as C[];
const appOf = (s: Json) => (isObject(s.app) ? s.app : (s.app = { image: 'nginx' })) as C;
const nameOfApp = (s: Json) => appOf(s).name ?? 'app';
const mountsOf = (c: C) => (Array.isArray(c.volumeMounts) ? c.volumeMounts : []).filter(isObject);
const fresh = (s: Json, base: string) => {
  const taken = new Set([nameOfApp(s), ...steps(s).map((c) => c.name), ...sidecarsOf(s).map((c) => c.name)]);
  let n = 0;
  while (taken.has(`${base}${n || ''}`)) n++;
  return `${base}${n || ''}`;
};
const pickIn = (s: Json, key: string, base: string, pick: number): [C, number] => {
  const list = listOf(s, key);
  if (!list.length) list.push({ name: fresh(s, base), image: 'busybox:1.36' });
  const i = pick % list.length;
  if (!isObject(list[i])) list[i] = { name: fresh(s, base), image: 'busybox:1.36' };
  return [list[i] as C, i];
};
const aStep = (s: Json, pick: number) => pickIn(s, 'initSteps', 'step', pick);
const aSidecar = (s: Json, pick: number) => pickIn(s, 'sidecars', 'side', pick);

export const MISTAKES: Mistake[] = [
  {
    name: 'an init step named like the app',
    apply: (s, pick) => { const [c, i] = aStep(s, pick); c.name = nameOfApp(s); return { spec: s, expect: new RegExp(`^spec\\.initSteps\\[${i}\\]\\.name: names must be unique`) }; },
  },
  {
    name: 'a sidecar named like an init step',
    apply: (s, pick) => {
      const [st] = aStep(s, pick); const [c, i] = aSidecar(s, pick); c.name = st.name;
      return { spec: s, expect: new RegExp(`^spec\\.sidecars\\[${i}\\]\\.name: names must be unique`) };
    },
  },
  {
    name: 'a container name that is not a DNS label',
    apply: (s, pick) => { const [c, i] = aSidecar(s, pick); c.name = ['Web_1', 'a'.repeat(64), '-x', 'x.y', ''][pick % 5]; return { spec: s, expect: new RegExp(`^spec\\.sidecars\\[${i}\\]\\.name: `) }; },
  },
  {
    name: 'a mount of a volume the Pod does not have',
    apply: (s) => {
      appOf(s).volumeMounts = [...mountsOf(appOf(s)), { name: 'no-such-volume', mountPath: '/nowhere' }];
      return { spec: s, expect: /^spec\.app\.volumeMounts\[\d+\]\.name: no volume named "no-such-volume"/ };
    },
  },
  {
    name: 'a mounted volume left out of volumes',
    apply: (s, pick) => {
      if (!listOf(s, 'volumes').length) s.volumes = [{ name: 'gone', emptyDir: {} }];
      const volumes = listOf(s, 'volumes').filter(isObject) as C[];
      const mounted = [appOf(s), ...steps(s), ...sidecarsOf(s)].flatMap(mountsOf).map((m) => m.name).filter((n) => volumes.some((v) => v.name === n));
      if (!mounted.length) appOf(s).volumeMounts = [...mountsOf(appOf(s)), { name: volumes[0].name, mountPath: '/gone' }];
      const gone = mounted.length ? mounted[pick % mounted.length] : volumes[0].name;
      s.volumes = volumes.filter((v) => v.name !== gone);
      return { spec: s, expect: new RegExp(`volumeMounts\\[\\d+\\]\\.name: no volume named "${gone}" in volumes or sharedVolumes`) };
    },
  },
  {
    name: 'startBeforeInitSteps with Classic sidecars',
    apply: (s, pick) => { s.sidecarMode = 'Classic'; const [c, i] = aSidecar(s, pick); c.startBeforeInitSteps = true; return { spec: s, expect: new RegExp(`^spec\\.sidecars\\[${i}\\]\\.startBeforeInitSteps: startBeforeInitSteps needs native sidecars`) }; },
  },
  {
    name: 'a waitFor step with a command',
    apply: (s, pick) => {
      const [c, i] = aStep(s, pick); c.waitFor = { tcp: { host: 'db', port: 5432 } }; c.command = ['sh'];
      return { spec: s, expect: new RegExp(`^spec\\.initSteps\\[${i}\\]: a waitFor step runs the built-in wait`) };
    },
  },
  {
    name: 'a waitFor with both tcp and http, or neither',
    apply: (s, pick) => {
      const [c, i] = aStep(s, pick); delete c.command; delete c.args;
      c.waitFor = pick % 2 ? { tcp: { host: 'db', port: 1 }, http: { url: 'http://db' } } : { timeoutSeconds: 5 };
      return { spec: s, expect: new RegExp(`^spec\\.initSteps\\[${i}\\]\\.waitFor: waitFor needs exactly one of tcp or http`) };
    },
  },
  {
    name: 'an init step with neither image nor waitFor',
    apply: (s, pick) => { const [c, i] = aStep(s, pick); delete c.image; delete c.waitFor; return { spec: s, expect: new RegExp(`^spec\\.initSteps\\[${i}\\]: an init step needs an image`) }; },
  },
  {
    name: 'a sidecar without an image',
    apply: (s, pick) => { const [c, i] = aSidecar(s, pick); delete c.image; return { spec: s, expect: new RegExp(`^spec\\.sidecars\\[${i}\\]: a sidecar needs an image`) }; },
  },
  {
    name: 'a restartPolicy on an init step',
    apply: (s, pick) => { const [c, i] = aStep(s, pick); c.restartPolicy = 'Always'; return { spec: s, expect: new RegExp(`^spec\\.initSteps\\[${i}\\]: init steps run to completion`) }; },
  },
  {
    name: 'a restartPolicy on a sidecar',
    apply: (s, pick) => { const [c, i] = aSidecar(s, pick); c.restartPolicy = 'Always'; return { spec: s, expect: new RegExp(`^spec\\.sidecars\\[${i}\\]: the operator sets a sidecar's restartPolicy`) }; },
  },
  {
    name: 'a sharedVolume named like a volume',
    apply: (s) => {
      s.volumes = [...listOf(s, 'volumes'), { name: 'twice', emptyDir: {} }];
      s.sharedVolumes = [...listOf(s, 'sharedVolumes'), { name: 'twice', mountPath: '/twice' }];
      return { spec: s, expect: /^spec\.sharedVolumes\[\d+\]\.name: sharedVolumes names must not repeat names in volumes/ };
    },
  },
  {
    name: 'a sidecar listening on the app\'s port',
    apply: (s, pick) => {
      appOf(s).ports = [...(Array.isArray(appOf(s).ports) ? appOf(s).ports! : []), { containerPort: 4321 }];
      const [c, i] = aSidecar(s, pick); c.ports = [{ containerPort: 4321, protocol: 'TCP' }];
      return { spec: s, expect: new RegExp(`^spec\\.sidecars\\[${i}\\]\\.ports\\[0\\]: port 4321/TCP is also declared by spec\\.app`) };
    },
  },
  {
    name: 'a port out of range',
    apply: (s, pick) => { appOf(s).ports = [{ containerPort: [0, 65536, -80, 1.5][pick % 4] }]; return { spec: s, expect: /^spec\.app\.ports\[0\]\.containerPort: / }; },
  },
  {
    name: 'a replica count that is not a count',
    apply: (s, pick) => { s.replicas = [-1, 1.5, 10001, '3', null][pick % 5]; return { spec: s, expect: /^spec\.replicas: / }; },
  },
  {
    name: 'an unknown sidecarMode or updateStrategy',
    apply: (s, pick) => {
      if (pick % 2) { s.sidecarMode = 'native'; return { spec: s, expect: /^spec\.sidecarMode: Invalid option/ }; }
      s.updateStrategy = { type: 'OnDelete' }; return { spec: s, expect: /^spec\.updateStrategy\.type: Invalid option/ };
    },
  },
  {
    name: 'a waitFor url that is not http(s)',
    apply: (s, pick) => {
      const [c, i] = aStep(s, pick); delete c.command; delete c.args;
      c.waitFor = { http: { url: ['ftp://db', 'db:80', 'http://a b', ''][pick % 4] } };
      return { spec: s, expect: new RegExp(`^spec\\.initSteps\\[${i}\\]\\.waitFor\\.http\\.url: `) };
    },
  },
  {
    name: 'two mounts on one path in a container',
    apply: (s) => {
      s.volumes = [...listOf(s, 'volumes'), { name: 'mounted-twice', emptyDir: {} }];
      appOf(s).volumeMounts = [...mountsOf(appOf(s)), { name: 'mounted-twice', mountPath: '/twice' }, { name: 'mounted-twice', mountPath: '/twice' }];
      return { spec: s, expect: /^spec\.app\.volumeMounts\[\d+\]\.mountPath: / };
    },
  },
  {
    name: 'a probe or lifecycle hook on an init step',
    apply: (s, pick) => {
      const [c, i] = aStep(s, pick); const field = ['livenessProbe', 'readinessProbe', 'startupProbe', 'lifecycle'][pick % 4];
      c[field] = field === 'lifecycle' ? { preStop: { exec: { command: ['true'] } } } : { exec: { command: ['true'] } };
      return { spec: s, expect: new RegExp(`^spec\\.initSteps\\[${i}\\]\\.${field}: `) };
    },
  },
  {
    name: 'two volumes of one name',
    apply: (s) => { s.volumes = [...listOf(s, 'volumes'), { name: 'same', emptyDir: {} }, { name: 'same', configMap: { name: 'x' } }]; return { spec: s, expect: /^spec\.volumes\[\d+\]\.name: / }; },
  },
  {
    name: 'two sharedVolumes of one name',
    apply: (s) => { s.sharedVolumes = [...listOf(s, 'sharedVolumes'), { name: 'same', mountPath: '/same-1' }, { name: 'same', mountPath: '/same-2' }]; return { spec: s, expect: /^spec\.sharedVolumes\[\d+\]\.name: / }; },
  },
  {
    name: 'two ports of one name in a container',
    apply: (s) => {
      appOf(s).ports = [...(Array.isArray(appOf(s).ports) ? appOf(s).ports! : []), { containerPort: 40001, name: 'twin' }, { containerPort: 40002, name: 'twin' }];
      return { spec: s, expect: /^spec\.app\.ports\[\d+\]\.name: / };
    },
  },
  {
    name: 'an image with whitespace around it',
    apply: (s, pick) => {
      const image = [' nginx', 'nginx ', 'nginx:1.25\n', '\tbusybox'][pick % 4];
      if (pick % 2) { appOf(s).image = image; return { spec: s, expect: /^spec\.app\.image: / }; }
      const [c, i] = aSidecar(s, pick); c.image = image; return { spec: s, expect: new RegExp(`^spec\\.sidecars\\[${i}\\]\\.image: `) };
    },
  },
  {
    name: 'a sharedVolume path that is not absolute',
    apply: (s) => { s.sharedVolumes = [{ name: 'rel', mountPath: 'var/log' }]; return { spec: s, expect: /^spec\.sharedVolumes\[0\]\.mountPath: must be an absolute path/ }; },
  },
];

/** A valid spec with one plausible mistake, and the error that must name it. */
export const specWithMistake: fc.Arbitrary<{ mistake: string; spec: Json; expect: RegExp }> = fc.tuple(validSpec, fc.nat(MISTAKES.length - 1), fc.nat())
  .map(([spec, which, pick]) => ({ mistake: MISTAKES[which].name, ...MISTAKES[which].apply(structuredClone(spec) as Json, pick) }));

// ---- (c) Pods in any state ----

const time = fc.oneof(
  { weight: 4, arbitrary: fc.date({ min: new Date('2020-01-01T00:00:00Z'), max: new Date('2030-01-01T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString().replace(/\.\d{3}Z$/, 'Z')) },
  { weight: 1, arbitrary: fc.date({ min: new Date('2020-01-01T00:00:00Z'), max: new Date('2030-01-01T00:00:00Z'), noInvalidDate: true }) },
  { weight: 1, arbitrary: fc.constantFrom('0001-01-01T00:00:00Z', 'not a time') },
);
const reason = (known: string[]) => fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...known) }, { weight: 1, arbitrary: text(20) });
const logMessage = fc.oneof(text(60), fc.array(text(120), { maxLength: 8 }).map((lines) => lines.join('\n')), fc.constant(`${'x'.repeat(5000)}\nlast line`));
const terminated = rec({
  exitCode: fc.oneof({ weight: 4, arbitrary: fc.constantFrom(0, 1, 2, 3, 137, 143) }, { weight: 1, arbitrary: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }) }),
  reason: reason(['Completed', 'Error', 'OOMKilled', 'ContainerCannotRun', 'DeadlineExceeded', 'StartError']),
  signal: fc.constantFrom(9, 15),
  message: logMessage,
  startedAt: time,
  finishedAt: time,
}, ['exitCode']);
const state = fc.oneof(
  { weight: 3, arbitrary: fc.record({ waiting: rec({ reason: reason(['PodInitializing', 'ContainerCreating', 'CrashLoopBackOff', 'ErrImagePull', 'ImagePullBackOff', 'CreateContainerConfigError']), message: logMessage }) }) },
  { weight: 3, arbitrary: fc.record({ running: rec({ startedAt: time }) }) },
  { weight: 3, arbitrary: fc.record({ terminated }) },
  { weight: 1, arbitrary: fc.constantFrom({}, null, undefined) },
);
/** What the kubelet reports for one container; `present: false` leaves it out of the list. */
const containerStatusDraft = rec({
  present: fc.oneof({ weight: 9, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
  state,
  lastState: fc.oneof(fc.record({ terminated }), fc.constant({})),
  restartCount: fc.oneof({ weight: 4, arbitrary: fc.constantFrom(0, 1, 5) }, { weight: 1, arbitrary: fc.nat(1000) }),
  ready: fc.boolean(),
  started: fc.boolean(),
}, ['present', 'state']);
const podCondition = rec({
  type: fc.constantFrom('PodScheduled', 'Initialized', 'ContainersReady', 'Ready', 'PodReadyToStartContainers', 'DisruptionTarget'),
  status: fc.constantFrom('True', 'False', 'Unknown'),
  reason: fc.constantFrom('SchedulingGated', 'Unschedulable', 'PodCompleted', 'ContainersNotReady', 'PodFailed'),
}, ['type', 'status']);

const podDraft = fc.record({
  slot: fc.oneof({ weight: 4, arbitrary: fc.nat(3) }, { weight: 1, arbitrary: fc.constantFrom(7, -1) }),
  attempt: fc.oneof({ weight: 4, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.nat(3) }),
  /** stale: rendered from an older template (another hash, maybe other containers). */
  stale: fc.oneof({ weight: 3, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
  renamedContainers: fc.boolean(),
  slotAnnotation: fc.constantFrom('kept', 'kept', 'kept', 'missing', 'garbage'),
  deletionTimestamp: opt(time, 5),
  nodeName: opt(fc.constantFrom('kwok-node-0', 'kwok-node-1'), 1),
  phase: opt(fc.constantFrom('Pending', 'Running', 'Succeeded', 'Failed', 'Unknown'), 1),
  reason: opt(reason(['Evicted', 'NodeLost', 'UnexpectedAdmissionError', 'Shutdown']), 4),
  conditions: opt(fc.array(podCondition, { maxLength: 5 }), 1),
  init: fc.array(containerStatusDraft, { maxLength: MAX_STEPS + MAX_SIDECARS + 1 }),
  main: fc.array(containerStatusDraft, { maxLength: MAX_SIDECARS + 2 }),
  reversedMain: fc.boolean(),
  /** Broken shapes: no status at all, an empty or null one, null lists. */
  shape: fc.constantFrom('normal', 'normal', 'normal', 'normal', 'normal', 'normal', 'no-status', 'empty-status', 'null-status', 'null-lists'),
});
type PodDraft = typeof podDraft extends fc.Arbitrary<infer T> ? T : never;

function podFromDraft(template: V1Pod, name: string, hash: string, d: PodDraft, i: number): V1Pod {
  const podHash = d.stale ? `0ld${hash.slice(3)}` : hash;
  // Copies of what changes; the rest stays shared with the template, as it is read only.
  const named = renderPod(template, name, podHash, d.slot, d.attempt);
  const pod = { ...named, metadata: { ...named.metadata, labels: { ...named.metadata!.labels }, annotations: { ...named.metadata!.annotations } }, spec: { ...named.spec } } as unknown as {
    metadata: Json & { labels: Json; annotations: Json }; spec: Json & { containers: C[]; initContainers?: C[] }; status?: unknown;
  };
  pod.metadata.uid = `pod-uid-${i}`;
  pod.metadata.labels[LABEL_TEMPLATE_HASH] = podHash;
  if (d.slotAnnotation === 'missing') delete pod.metadata.annotations['helpers.dev/slot'];
  if (d.slotAnnotation === 'garbage') pod.metadata.annotations['helpers.dev/slot'] = 'x1';
  if (d.deletionTimestamp !== undefined) pod.metadata.deletionTimestamp = d.deletionTimestamp;
  if (d.nodeName) pod.spec.nodeName = d.nodeName;
  if (d.stale && d.renamedContainers) {
    pod.spec.initContainers = pod.spec.initContainers?.map((c, j) => ({ ...c, name: `old-init-${j}` }));
    pod.spec.containers = pod.spec.containers.map((c, j) => (j === 0 ? c : { ...c, name: `old-${j}` }));
  }
  const statuses = (drafts: typeof d.init, names: string[]) => drafts.flatMap((s, j) => {
    if (!s.present) return [];
    const { present: _, ...rest } = s;
    return [{ name: names[j] ?? `ghost-${j}`, image: 'x', imageID: '', ...rest }];
  });
  const init = statuses(d.init, (pod.spec.initContainers ?? []).map((c) => c.name!));
  const main = statuses(d.main, pod.spec.containers.map((c) => c.name!));
  if (d.reversedMain) main.reverse();
  const status: Json = {
    ...(d.phase ? { phase: d.phase } : {}),
    ...(d.reason ? { reason: d.reason } : {}),
    ...(d.conditions ? { conditions: d.conditions } : {}),
    ...(init.length ? { initContainerStatuses: init } : {}),
    ...(main.length ? { containerStatuses: main } : {}),
  };
  switch (d.shape) {
    case 'no-status': break;
    case 'empty-status': pod.status = {}; break;
    case 'null-status': pod.status = null; break;
    case 'null-lists': pod.status = { ...status, conditions: null, initContainerStatuses: null, containerStatuses: null }; break;
    default: pod.status = status;
  }
  return pod as unknown as V1Pod;
}

/** One AppWithHelpers and the world the operator sees: its Pods in any state, maybe a failed write. */
export interface World {
  name: string;
  /** The spec as stored (maybe invalid). */
  raw: unknown;
  /** The valid spec the Pods were rendered from. */
  spec: AppSpec;
  render: RenderOptions;
  sidecarMode: 'Native' | 'Classic';
  template: V1Pod;
  hash: string;
  pods: V1Pod[];
  generation?: number;
  failure?: { reason: string; message: string };
  now: Date;
}

/** (c) A valid spec, 0-5 of its Pods in random but plausible states, and the rest of the operator's inputs. */
export const world: fc.Arbitrary<World> = fc.record({
  name: appName,
  spec: validSpec,
  /** Sometimes the stored spec has since become invalid: Pods stay, the status says why. */
  broken: fc.oneof({ weight: 5, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: mutatedSpec }),
  serverMinor: opt(fc.integer({ min: 25, max: 36 }), 5),
  pods: fc.array(podDraft, { maxLength: 5 }),
  generation: opt(fc.integer({ min: 1, max: 1000 }), 5),
  failure: opt(fc.record({ reason: fc.constantFrom('FailedCreate', 'FailedDelete'), message: text(80).map((t) => `could not create Pods: ${t}`) }), 5),
  nowOffsetMs: fc.integer({ min: -3_600_000, max: 30 * 86_400_000 }),
}).map((w) => {
  const parsed = parseSpec(w.spec);
  if (!parsed.ok) throw new Error(`validSpec made an invalid spec: ${parsed.errors.join('; ')}`);
  const render: RenderOptions = { helperImage: 'busybox:1.36', ...(w.serverMinor === undefined ? {} : { serverVersion: { major: 1, minor: w.serverMinor } }) };
  const { pod: template, hash } = renderPodTemplate({ name: w.name, namespace: 'ns', uid: 'uid-1' }, parsed.spec, render);
  return {
    name: w.name,
    raw: w.broken === undefined ? w.spec : w.broken,
    spec: parsed.spec,
    render,
    sidecarMode: resolveSidecarMode(parsed.spec, render),
    template,
    hash,
    // Names are unique in a namespace: a Pod whose name another already has is not there.
    pods: w.pods.map((d, i) => podFromDraft(template, w.name, hash, d, i)).filter((p, i, all) => all.findIndex((q) => q.metadata!.name === p.metadata!.name) === i),
    generation: w.generation,
    failure: w.failure,
    now: new Date(NOW.getTime() + w.nowOffsetMs),
  };
});
