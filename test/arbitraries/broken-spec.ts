/** (b) Broken specs: valid specs broken by random mutations, and by plausible mistakes each refused naming the field. */
import fc from 'fast-check';
import type { AppSpecInput } from '../../src/api/spec';
import type { C, Json } from './common';
import { validSpec } from './valid-spec';

/** Values that break a field: wrong types, empty, huge, negative, long, null, and any JSON. */
export const junk: fc.Arbitrary<unknown> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      '',
      null,
      -1,
      0,
      1.5,
      1e308,
      -1e308,
      2 ** 53 + 2,
      65536,
      true,
      false,
      [],
      {},
      ' nginx ',
      'Web_1',
      '-a',
      'a'.repeat(64),
      'x'.repeat(5000),
      '../etc',
      '\u0000',
      'ünïcödé',
    ),
  },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
  { weight: 1, arbitrary: fc.anything({ maxDepth: 2 }) },
  { weight: 1, arbitrary: fc.oneof(fc.string(), fc.integer(), fc.double()) },
);

type Slot = { parent: Json | unknown[]; key: string | number };
function slotsOf(root: unknown): Slot[] {
  const out: Slot[] = [];
  const walk = (v: unknown) => {
    if (Array.isArray(v))
      v.forEach((x, i) => {
        out.push({ parent: v, key: i });
        walk(x);
      });
    else if (v && typeof v === 'object')
      for (const k of Object.keys(v)) {
        out.push({ parent: v as Json, key: k });
        walk((v as Json)[k]);
      }
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
  fc.record({
    kind: fc.constant('addKey' as const),
    pick: fc.nat(),
    key: fc.oneof(
      fc.constantFrom(
        '__proto__',
        'constructor',
        'toString',
        'name',
        'image',
        'env',
        'waitFor',
        'restartPolicy',
        'readinessProbe',
        'containers',
        'initContainers',
        'ephemeralContainers',
        'volumes',
        'x-unknown',
      ),
      fc.string(),
    ),
    value: junk,
  }),
  fc.record({ kind: fc.constant('mistake' as const), which: fc.nat(), pick: fc.nat() }),
);

/** A copy of a generated value, so a test that freezes its input never freezes fast-check's own. */
function copy(value: unknown): unknown {
  try {
    return structuredClone(value);
  } catch {
    return value;
  }
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
      const objects = [root, ...slots.map((s) => (s.parent as Json)[s.key as string])].filter(
        (v): v is Json => !!v && typeof v === 'object' && !Array.isArray(v),
      );
      if (objects.length) setOwn(objects[m.pick % objects.length], m.key, m.value);
      continue;
    }
    if (!slots.length) {
      root = m.kind === 'replace' ? m.value : root;
      continue;
    }
    const { parent, key } = slots[m.pick % slots.length];
    if (m.kind === 'delete') {
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else delete parent[key as string];
    } else if (Array.isArray(parent)) parent[key as number] = m.value;
    else setOwn(parent, key as string, m.value);
  }
  return root;
}

/** (b) A valid spec broken by 1-3 random mutations, or any value at all. */
export const mutatedSpec: fc.Arbitrary<unknown> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc
      .tuple(validSpec, fc.array(mutation, { minLength: 1, maxLength: 3 }))
      .map(([spec, ms]) => mutate(spec, ms)),
  },
  { weight: 1, arbitrary: fc.jsonValue() },
  { weight: 1, arbitrary: fc.anything() },
);

// ---- Plausible mistakes: each must be refused, naming the field ----

interface Mistake {
  name: string;
  /** apply breaks a (cloned) valid spec; `pick` chooses where. */
  apply(spec: Json, pick: number): { spec: Json; expect: RegExp };
}
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
    apply: (s, pick) => {
      const [c, i] = aStep(s, pick);
      c.name = nameOfApp(s);
      return { spec: s, expect: new RegExp(`^spec\\.initSteps\\[${i}\\]\\.name: names must be unique`) };
    },
  },
  {
    name: 'a sidecar named like an init step',
    apply: (s, pick) => {
      const [st] = aStep(s, pick);
      const [c, i] = aSidecar(s, pick);
      c.name = st.name;
      return { spec: s, expect: new RegExp(`^spec\\.sidecars\\[${i}\\]\\.name: names must be unique`) };
    },
  },
  {
    name: 'a container name that is not a DNS label',
    apply: (s, pick) => {
      const [c, i] = aSidecar(s, pick);
      c.name = ['Web_1', 'a'.repeat(64), '-x', 'x.y', ''][pick % 5];
      return { spec: s, expect: new RegExp(`^spec\\.sidecars\\[${i}\\]\\.name: `) };
    },
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
      const mounted = [appOf(s), ...steps(s), ...sidecarsOf(s)]
        .flatMap(mountsOf)
        .map((m) => m.name)
        .filter((n) => volumes.some((v) => v.name === n));
      if (!mounted.length)
        appOf(s).volumeMounts = [...mountsOf(appOf(s)), { name: volumes[0].name, mountPath: '/gone' }];
      const gone = mounted.length ? mounted[pick % mounted.length] : volumes[0].name;
      s.volumes = volumes.filter((v) => v.name !== gone);
      return {
        spec: s,
        expect: new RegExp(`volumeMounts\\[\\d+\\]\\.name: no volume named "${gone}" in volumes or sharedVolumes`),
      };
    },
  },
  {
    name: 'startBeforeInitSteps with Classic sidecars',
    apply: (s, pick) => {
      s.sidecarMode = 'Classic';
      const [c, i] = aSidecar(s, pick);
      c.startBeforeInitSteps = true;
      return {
        spec: s,
        expect: new RegExp(
          `^spec\\.sidecars\\[${i}\\]\\.startBeforeInitSteps: startBeforeInitSteps needs native sidecars`,
        ),
      };
    },
  },
  {
    name: 'waitUntilReady without a readinessProbe',
    apply: (s, pick) => {
      const [c, i] = aSidecar(s, pick);
      delete c.readinessProbe;
      c.waitUntilReady = true;
      return {
        spec: s,
        expect: new RegExp(`^spec\\.sidecars\\[${i}\\]\\.waitUntilReady: waitUntilReady waits for the readinessProbe`),
      };
    },
  },
  {
    name: 'waitUntilReady with Classic sidecars',
    apply: (s, pick) => {
      s.sidecarMode = 'Classic';
      const [c, i] = aSidecar(s, pick);
      c.readinessProbe = { tcpSocket: { port: 9901 } };
      c.waitUntilReady = true;
      return {
        spec: s,
        expect: new RegExp(`^spec\\.sidecars\\[${i}\\]\\.waitUntilReady: waitUntilReady needs native sidecars`),
      };
    },
  },
  {
    name: 'waitUntilReady with a startupProbe of its own, or optional',
    apply: (s, pick) => {
      const [c, i] = aSidecar(s, pick);
      c.readinessProbe = { tcpSocket: { port: 9901 } };
      c.waitUntilReady = true;
      if (pick % 2) c.startupProbe = { tcpSocket: { port: 9901 } };
      else c.optional = true;
      return {
        spec: s,
        expect: new RegExp(
          pick % 2
            ? `^spec\\.sidecars\\[${i}\\]\\.waitUntilReady: waitUntilReady makes the startupProbe`
            : `^spec\\.sidecars\\[${i}\\]\\.optional: an optional sidecar cannot have waitUntilReady`,
        ),
      };
    },
  },
  {
    name: 'an optional init step',
    apply: (s, pick) => {
      const [c, i] = aStep(s, pick);
      c.optional = true;
      return { spec: s, expect: new RegExp(`^spec\\.initSteps\\[${i}\\]\\.optional: optional is for sidecars`) };
    },
  },
  {
    name: 'a waitFor step with a command',
    apply: (s, pick) => {
      const [c, i] = aStep(s, pick);
      c.waitFor = { tcp: { host: 'db', port: 5432 } };
      c.command = ['sh'];
      return { spec: s, expect: new RegExp(`^spec\\.initSteps\\[${i}\\]: a waitFor step runs the built-in wait`) };
    },
  },
  {
    name: 'a waitFor with both tcp and http, or neither',
    apply: (s, pick) => {
      const [c, i] = aStep(s, pick);
      delete c.command;
      delete c.args;
      c.waitFor = pick % 2 ? { tcp: { host: 'db', port: 1 }, http: { url: 'http://db' } } : { timeoutSeconds: 5 };
      return {
        spec: s,
        expect: new RegExp(`^spec\\.initSteps\\[${i}\\]\\.waitFor: waitFor needs exactly one of tcp or http`),
      };
    },
  },
  {
    name: 'a negative step timeoutSeconds or retries',
    apply: (s, pick) => {
      const [c, i] = aStep(s, pick);
      const field = pick % 2 ? 'timeoutSeconds' : 'retries';
      c[field] = -1 - (pick % 7);
      return { spec: s, expect: new RegExp(`^spec\\.initSteps\\[${i}\\]\\.${field}: Too small`) };
    },
  },
  {
    name: 'an init step with neither image nor waitFor',
    apply: (s, pick) => {
      const [c, i] = aStep(s, pick);
      delete c.image;
      delete c.waitFor;
      return { spec: s, expect: new RegExp(`^spec\\.initSteps\\[${i}\\]: an init step needs an image`) };
    },
  },
  {
    name: 'a sidecar without an image',
    apply: (s, pick) => {
      const [c, i] = aSidecar(s, pick);
      delete c.image;
      return { spec: s, expect: new RegExp(`^spec\\.sidecars\\[${i}\\]: a sidecar needs an image`) };
    },
  },
  {
    name: 'a restartPolicy on an init step',
    apply: (s, pick) => {
      const [c, i] = aStep(s, pick);
      c.restartPolicy = 'Always';
      return { spec: s, expect: new RegExp(`^spec\\.initSteps\\[${i}\\]: init steps run to completion`) };
    },
  },
  {
    name: 'a restartPolicy on a sidecar',
    apply: (s, pick) => {
      const [c, i] = aSidecar(s, pick);
      c.restartPolicy = 'Always';
      return { spec: s, expect: new RegExp(`^spec\\.sidecars\\[${i}\\]: the operator sets a sidecar's restartPolicy`) };
    },
  },
  {
    name: 'a sharedVolume named like a volume',
    apply: (s) => {
      s.volumes = [...listOf(s, 'volumes'), { name: 'twice', emptyDir: {} }];
      s.sharedVolumes = [...listOf(s, 'sharedVolumes'), { name: 'twice', mountPath: '/twice' }];
      return {
        spec: s,
        expect: /^spec\.sharedVolumes\[\d+\]\.name: sharedVolumes names must not repeat names in volumes/,
      };
    },
  },
  {
    name: "a sidecar listening on the app's port",
    apply: (s, pick) => {
      appOf(s).ports = [...(Array.isArray(appOf(s).ports) ? appOf(s).ports! : []), { containerPort: 4321 }];
      const [c, i] = aSidecar(s, pick);
      c.ports = [{ containerPort: 4321, protocol: 'TCP' }];
      return {
        spec: s,
        expect: new RegExp(`^spec\\.sidecars\\[${i}\\]\\.ports\\[0\\]: port 4321/TCP is also declared by spec\\.app`),
      };
    },
  },
  {
    name: 'a port out of range',
    apply: (s, pick) => {
      appOf(s).ports = [{ containerPort: [0, 65536, -80, 1.5][pick % 4] }];
      return { spec: s, expect: /^spec\.app\.ports\[0\]\.containerPort: / };
    },
  },
  {
    name: 'a replica count that is not a count',
    apply: (s, pick) => {
      s.replicas = [-1, 1.5, 10001, '3', null][pick % 5];
      return { spec: s, expect: /^spec\.replicas: / };
    },
  },
  {
    name: 'an unknown sidecarMode or updateStrategy',
    apply: (s, pick) => {
      if (pick % 2) {
        s.sidecarMode = 'native';
        return { spec: s, expect: /^spec\.sidecarMode: Invalid option/ };
      }
      s.updateStrategy = { type: 'OnDelete' };
      return { spec: s, expect: /^spec\.updateStrategy\.type: Invalid option/ };
    },
  },
  {
    name: 'a waitFor url that is not http(s)',
    apply: (s, pick) => {
      const [c, i] = aStep(s, pick);
      delete c.command;
      delete c.args;
      c.waitFor = { http: { url: ['ftp://db', 'db:80', 'http://a b', ''][pick % 4] } };
      return { spec: s, expect: new RegExp(`^spec\\.initSteps\\[${i}\\]\\.waitFor\\.http\\.url: `) };
    },
  },
  {
    name: 'two mounts on one path in a container',
    apply: (s) => {
      s.volumes = [...listOf(s, 'volumes'), { name: 'mounted-twice', emptyDir: {} }];
      appOf(s).volumeMounts = [
        ...mountsOf(appOf(s)),
        { name: 'mounted-twice', mountPath: '/twice' },
        { name: 'mounted-twice', mountPath: '/twice' },
      ];
      return { spec: s, expect: /^spec\.app\.volumeMounts\[\d+\]\.mountPath: / };
    },
  },
  {
    name: 'a probe or lifecycle hook on an init step',
    apply: (s, pick) => {
      const [c, i] = aStep(s, pick);
      const field = ['livenessProbe', 'readinessProbe', 'startupProbe', 'lifecycle'][pick % 4];
      c[field] = field === 'lifecycle' ? { preStop: { exec: { command: ['true'] } } } : { exec: { command: ['true'] } };
      return { spec: s, expect: new RegExp(`^spec\\.initSteps\\[${i}\\]\\.${field}: `) };
    },
  },
  {
    name: 'two volumes of one name',
    apply: (s) => {
      s.volumes = [...listOf(s, 'volumes'), { name: 'same', emptyDir: {} }, { name: 'same', configMap: { name: 'x' } }];
      return { spec: s, expect: /^spec\.volumes\[\d+\]\.name: / };
    },
  },
  {
    name: 'two sharedVolumes of one name',
    apply: (s) => {
      s.sharedVolumes = [
        ...listOf(s, 'sharedVolumes'),
        { name: 'same', mountPath: '/same-1' },
        { name: 'same', mountPath: '/same-2' },
      ];
      return { spec: s, expect: /^spec\.sharedVolumes\[\d+\]\.name: / };
    },
  },
  {
    name: 'two ports of one name in a container',
    apply: (s) => {
      appOf(s).ports = [
        ...(Array.isArray(appOf(s).ports) ? appOf(s).ports! : []),
        { containerPort: 40001, name: 'twin' },
        { containerPort: 40002, name: 'twin' },
      ];
      return { spec: s, expect: /^spec\.app\.ports\[\d+\]\.name: / };
    },
  },
  {
    name: 'an image with whitespace around it',
    apply: (s, pick) => {
      const image = [' nginx', 'nginx ', 'nginx:1.25\n', '\tbusybox'][pick % 4];
      if (pick % 2) {
        appOf(s).image = image;
        return { spec: s, expect: /^spec\.app\.image: / };
      }
      const [c, i] = aSidecar(s, pick);
      c.image = image;
      return { spec: s, expect: new RegExp(`^spec\\.sidecars\\[${i}\\]\\.image: `) };
    },
  },
  {
    name: 'a sharedVolume path that is not absolute',
    apply: (s) => {
      s.sharedVolumes = [{ name: 'rel', mountPath: 'var/log' }];
      return { spec: s, expect: /^spec\.sharedVolumes\[0\]\.mountPath: must be an absolute path/ };
    },
  },
];

/** A valid spec with one plausible mistake, and the error that must name it. */
export const specWithMistake: fc.Arbitrary<{ mistake: string; spec: Json; expect: RegExp }> = fc
  .tuple(validSpec, fc.nat(MISTAKES.length - 1), fc.nat())
  .map(([spec, which, pick]) => ({
    mistake: MISTAKES[which].name,
    ...MISTAKES[which].apply(structuredClone(spec) as Json, pick),
  }));
