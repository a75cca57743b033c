/**
 * A catalogue of ways to break an AppWithHelpers, for the invalid-input test (R6). Each mutation
 * takes a valid spec, breaks it in one way and returns the field paths it broke, as the API server
 * and the operator name them (`spec.initSteps[1].name`). invalidCases() combines one to three of
 * them on random valid specs (deterministic seed) into distinct, named objects.
 *
 * Mutations never remove or reorder list items, so the paths one returns stay true after the
 * next one runs; those that replace a whole field with something else (a list by an object, say)
 * run last.
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Obj = Record<string, any>;

/** A small deterministic random source (mulberry32). */
export class Rnd {
  constructor(private state: number) {}
  next(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

export interface Mutation {
  id: string;
  /** Replaces a whole field by something of another shape: runs after the others. */
  late?: boolean;
  /** Breaks spec; returns the paths broken, or undefined when it does not apply to this spec. */
  apply(spec: Obj, rnd: Rnd): string[] | undefined;
}

export interface InvalidCase {
  name: string;
  manifest: Obj;
  mutations: string[];
  /** The field paths broken; a message about this object must name one of them. */
  fields: string[];
}

// ---- a valid spec to start from ----

export function validSpec(rnd: Rnd): Obj {
  const spec: Obj = { app: { image: rnd.pick(['nginx:1.25.3', 'nginx:1.27', 'registry.example.com/shop/web:2.1']) } };
  if (rnd.chance(0.6)) spec.app.name = rnd.pick(['web', 'api', 'shop']);
  if (rnd.chance(0.5)) spec.replicas = rnd.int(4);
  if (rnd.chance(0.6))
    spec.app.ports = [{ containerPort: rnd.pick([80, 8080, 3000]), ...(rnd.chance(0.5) ? { name: 'http' } : {}) }];
  if (rnd.chance(0.5)) {
    spec.volumes = [{ name: 'data', emptyDir: {} }];
    spec.app.volumeMounts = [{ name: 'data', mountPath: '/data' }];
  }
  const steps = rnd.int(4);
  if (steps > 0) spec.initSteps = [];
  for (let i = 0; i < steps; i++)
    spec.initSteps.push(rnd.chance(0.5) ? containerStep(`step-${i}`) : waitStep(`step-${i}`, rnd));
  const sidecars = rnd.int(3);
  if (sidecars > 0) spec.sidecars = [];
  for (let i = 0; i < sidecars; i++)
    spec.sidecars.push(sidecar(`side-${i}`, rnd.chance(0.5) ? [{ containerPort: 9100 + i }] : undefined));
  if (rnd.chance(0.4)) spec.sidecarMode = rnd.pick(['Auto', 'Native', 'Classic']);
  if (rnd.chance(0.4)) spec.sharedVolumes = [{ name: 'logs', mountPath: '/var/log/app' }];
  if (rnd.chance(0.4)) spec.podTemplate = { metadata: { labels: { team: 'web' } } };
  if (rnd.chance(0.3)) spec.updateStrategy = { type: rnd.pick(['RollingUpdate', 'Recreate']) };
  if (rnd.chance(0.2)) spec.helperDefaults = { resources: { requests: { cpu: '10m', memory: '16Mi' } } };
  return spec;
}

const containerStep = (name: string): Obj => ({ name, image: 'busybox:1.36', command: ['sh', '-c', 'true'] });
const waitStep = (name: string, rnd: Rnd): Obj => ({
  name,
  waitFor: rnd.chance(0.5) ? { tcp: { host: 'database', port: 5432 } } : { http: { url: 'http://api:8080/healthz' } },
});
const sidecar = (name: string, ports?: Obj[]): Obj => ({
  name,
  image: 'busybox:1.36',
  command: ['sleep', 'infinity'],
  ...(ports ? { ports } : {}),
});

// ---- helpers: find or add what a mutation needs; undefined when the shape is already broken ----

const isList = (v: unknown): v is Obj[] => Array.isArray(v);
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function list(spec: Obj, key: string): Obj[] | undefined {
  if (spec[key] === undefined) spec[key] = [];
  return isList(spec[key]) ? spec[key] : undefined;
}

/** A list item matching `want`, adding `make(index)` when there is none; its index. */
function ensure(
  spec: Obj,
  key: string,
  want: (item: Obj) => boolean,
  make: (i: number) => Obj,
  rnd: Rnd,
): number | undefined {
  const items = list(spec, key);
  if (!items) return undefined;
  const found = items.map((item, i) => [item, i] as const).filter(([item]) => isObj(item) && want(item));
  if (found.length > 0 && !rnd.chance(0.2)) return rnd.pick(found)[1];
  items.push(make(items.length));
  return items.length - 1;
}

const app = (spec: Obj): Obj | undefined => (isObj(spec.app) ? spec.app : undefined);
const uniqueName = (prefix: string, rnd: Rnd) => `${prefix}-${rnd.int(1e6).toString(36)}`;
const anyStep = (spec: Obj, rnd: Rnd) =>
  ensure(
    spec,
    'initSteps',
    () => true,
    (i) => containerStep(`added-step-${i}`),
    rnd,
  );
const imageStep = (spec: Obj, rnd: Rnd) =>
  ensure(
    spec,
    'initSteps',
    (s) => !s.waitFor && typeof s.image === 'string',
    (i) => containerStep(`added-step-${i}`),
    rnd,
  );
const tcpStep = (spec: Obj, rnd: Rnd) =>
  ensure(
    spec,
    'initSteps',
    (s) => isObj(s.waitFor?.tcp) && !s.waitFor.http,
    (i) => ({ name: `added-wait-${i}`, waitFor: { tcp: { host: 'database', port: 5432 } } }),
    rnd,
  );
const httpStep = (spec: Obj, rnd: Rnd) =>
  ensure(
    spec,
    'initSteps',
    (s) => isObj(s.waitFor?.http) && !s.waitFor.tcp,
    (i) => ({ name: `added-wait-${i}`, waitFor: { http: { url: 'http://api:8080/healthz' } } }),
    rnd,
  );
const waitForStep = (spec: Obj, rnd: Rnd) => (rnd.chance(0.5) ? tcpStep(spec, rnd) : httpStep(spec, rnd));
const anySidecar = (spec: Obj, rnd: Rnd) =>
  ensure(
    spec,
    'sidecars',
    () => true,
    (i) => sidecar(`added-side-${i}`),
    rnd,
  );
/** A volume no container mounts, so renaming it breaks nothing else. */
const freeVolume = (spec: Obj, rnd: Rnd) =>
  ensure(
    spec,
    'volumes',
    () => false,
    () => ({ name: uniqueName('spare', rnd), emptyDir: {} }),
    rnd,
  );
const sharedVolume = (spec: Obj, rnd: Rnd) =>
  ensure(
    spec,
    'sharedVolumes',
    (v) => typeof v.mountPath === 'string' && v.mountPath.startsWith('/'),
    () => ({ name: uniqueName('shared', rnd), mountPath: `/shared/${uniqueName('p', rnd)}` }),
    rnd,
  );

/** A container to break: the app, an init step or a sidecar, with its path. */
function container(
  spec: Obj,
  rnd: Rnd,
  kinds: Array<'app' | 'step' | 'sidecar'> = ['app', 'step', 'sidecar'],
): [Obj, string] | undefined {
  const kind = rnd.pick(kinds);
  if (kind === 'app') return app(spec) ? [spec.app, 'spec.app'] : undefined;
  const i = kind === 'step' ? imageStep(spec, rnd) : anySidecar(spec, rnd);
  if (i === undefined) return undefined;
  const key = kind === 'step' ? 'initSteps' : 'sidecars';
  return [spec[key][i], `spec.${key}[${i}]`];
}

function addMount(c: Obj, mount: Obj): number | undefined {
  if (c.volumeMounts === undefined) c.volumeMounts = [];
  if (!isList(c.volumeMounts)) return undefined;
  c.volumeMounts.push(mount);
  return c.volumeMounts.length - 1;
}

function addPort(c: Obj, port: Obj): number | undefined {
  if (c.ports === undefined) c.ports = [];
  if (!isList(c.ports)) return undefined;
  c.ports.push(port);
  return c.ports.length - 1;
}

/** The app's first port, added when it has none. */
function appPort(spec: Obj): [Obj, number] | undefined {
  const a = app(spec);
  if (!a) return undefined;
  if (a.ports === undefined) a.ports = [{ containerPort: 8080 }];
  return isList(a.ports) && isObj(a.ports[0]) ? [a.ports[0], 0] : undefined;
}

function labels(spec: Obj, key: 'labels' | 'annotations'): Obj | undefined {
  spec.podTemplate ??= {};
  if (!isObj(spec.podTemplate)) return undefined;
  spec.podTemplate.metadata ??= {};
  if (!isObj(spec.podTemplate.metadata)) return undefined;
  spec.podTemplate.metadata[key] ??= {};
  return isObj(spec.podTemplate.metadata[key]) ? spec.podTemplate.metadata[key] : undefined;
}

/** Sets one field of a list item; returns its path. */
function setIn(
  spec: Obj,
  key: string,
  i: number | undefined,
  field: string,
  value: unknown,
  path = field,
): string[] | undefined {
  if (i === undefined) return undefined;
  spec[key][i][field] = value;
  return [`spec.${key}[${i}].${path}`];
}

const NAME_64 = 'a'.repeat(64);
const badNames: Array<[string, string]> = [
  ['upper', 'Web'],
  ['underscore', 'web_app'],
  ['dot', 'web.app'],
  ['empty', ''],
  ['dash-end', 'web-'],
  ['64', NAME_64],
];

// ---- the catalogue ----

const m = (id: string, apply: Mutation['apply'], late = false): Mutation => ({ id, apply, late });

export const MUTATIONS: Mutation[] = [
  // The app
  m(
    'app missing',
    (s) => {
      delete s.app;
      return ['spec.app'];
    },
    true,
  ),
  m(
    'app an array',
    (s) => {
      s.app = [s.app];
      return ['spec.app'];
    },
    true,
  ),
  m('app.image missing', (s) => {
    const a = app(s);
    if (!a) return undefined;
    delete a.image;
    return ['spec.app.image'];
  }),
  m('app.image empty', (s) => {
    const a = app(s);
    if (!a) return undefined;
    a.image = '';
    return ['spec.app.image'];
  }),
  m('app.image a number', (s) => {
    const a = app(s);
    if (!a) return undefined;
    a.image = 5;
    return ['spec.app.image'];
  }),
  m('app.image a list', (s) => {
    const a = app(s);
    if (!a) return undefined;
    a.image = ['nginx'];
    return ['spec.app.image'];
  }),
  ...badNames.map(([what, name]) =>
    m(`app.name ${what}`, (s) => {
      const a = app(s);
      if (!a) return undefined;
      a.name = name;
      return ['spec.app.name'];
    }),
  ),
  m('app.name a number', (s) => {
    const a = app(s);
    if (!a) return undefined;
    a.name = 42;
    return ['spec.app.name'];
  }),
  m('app port 0', (s) => {
    const p = appPort(s);
    if (!p) return undefined;
    p[0].containerPort = 0;
    return [`spec.app.ports[${p[1]}].containerPort`];
  }),
  m('app port 70000', (s) => {
    const p = appPort(s);
    if (!p) return undefined;
    p[0].containerPort = 70000;
    return [`spec.app.ports[${p[1]}].containerPort`];
  }),
  m('app port a string', (s) => {
    const p = appPort(s);
    if (!p) return undefined;
    p[0].containerPort = '8080';
    return [`spec.app.ports[${p[1]}].containerPort`];
  }),
  m('app port protocol HTTP', (s) => {
    const p = appPort(s);
    if (!p) return undefined;
    p[0].protocol = 'HTTP';
    return [`spec.app.ports[${p[1]}].protocol`];
  }),
  m('app hostPort 70000', (s) => {
    const p = appPort(s);
    if (!p) return undefined;
    p[0].hostPort = 70000;
    return [`spec.app.ports[${p[1]}].hostPort`];
  }),
  m('app.imagePullPolicy Sometimes', (s) => {
    const a = app(s);
    if (!a) return undefined;
    a.imagePullPolicy = 'Sometimes';
    return ['spec.app.imagePullPolicy'];
  }),
  m('app.replicas (unknown field)', (s) => {
    const a = app(s);
    if (!a) return undefined;
    a.replicas = 2;
    return ['spec.app.replicas'];
  }),
  m('app.imagePullPolicyy (typo)', (s) => {
    const a = app(s);
    if (!a) return undefined;
    a.imagePullPolicyy = 'Always';
    return ['spec.app.imagePullPolicyy'];
  }),

  // Any container: ports, mounts
  m('port name not a port name', (s, r) => {
    const c = container(s, r);
    if (!c) return undefined;
    const j = addPort(c[0], {
      containerPort: 7000 + r.int(900),
      name: r.pick(['Metrics_Port', 'http--alt', '12345', 'a-very-long-port-name']),
    });
    return j === undefined ? undefined : [`${c[1]}.ports[${j}].name`];
  }),
  m('mount of a missing volume', (s, r) => {
    const c = container(s, r);
    if (!c) return undefined;
    const j = addMount(c[0], { name: uniqueName('nowhere', r), mountPath: `/mnt/${uniqueName('m', r)}` });
    return j === undefined ? undefined : [`${c[1]}.volumeMounts[${j}].name`];
  }),
  m('mountPath relative', (s, r) => {
    const c = container(s, r);
    const v = freeVolume(s, r);
    if (!c || v === undefined) return undefined;
    const j = addMount(c[0], { name: s.volumes[v].name, mountPath: `relative/${uniqueName('dir', r)}` });
    return j === undefined ? undefined : [`${c[1]}.volumeMounts[${j}].mountPath`];
  }),
  m('mountPath empty', (s, r) => {
    const c = container(s, r);
    const v = freeVolume(s, r);
    if (!c || v === undefined) return undefined;
    const j = addMount(c[0], { name: s.volumes[v].name, mountPath: '' });
    return j === undefined ? undefined : [`${c[1]}.volumeMounts[${j}].mountPath`];
  }),
  m('mountPath twice in one container', (s, r) => {
    const c = container(s, r);
    const v = freeVolume(s, r);
    if (!c || v === undefined) return undefined;
    const path = `/twice/${uniqueName('p', r)}`;
    addMount(c[0], { name: s.volumes[v].name, mountPath: path });
    const j = addMount(c[0], { name: s.volumes[v].name, mountPath: path });
    return j === undefined ? undefined : [`${c[1]}.volumeMounts[${j}].mountPath`];
  }),
  m("mountPath on a sharedVolume's path", (s, r) => {
    const c = container(s, r);
    const sh = sharedVolume(s, r);
    const v = freeVolume(s, r);
    if (!c || sh === undefined || v === undefined) return undefined;
    if (isList(c[0].volumeMounts) && c[0].volumeMounts.some((mnt: Obj) => mnt.name === s.sharedVolumes[sh].name))
      return undefined;
    const j = addMount(c[0], { name: s.volumes[v].name, mountPath: s.sharedVolumes[sh].mountPath });
    return j === undefined ? undefined : [`${c[1]}.volumeMounts[${j}].mountPath`];
  }),
  m('volumeMounts an object', (s, r) => {
    const c = container(s, r);
    if (!c) return undefined;
    c[0].volumeMounts = { data: '/data' };
    return [`${c[1]}.volumeMounts`];
  }),
  m('resources.limits a string', (s, r) => {
    const c = container(s, r);
    if (!c) return undefined;
    c[0].resources = { limits: '1 CPU' };
    return [`${c[1]}.resources.limits`];
  }),

  // replicas
  m('replicas -1', (s) => {
    s.replicas = -1;
    return ['spec.replicas'];
  }),
  m('replicas 10001', (s) => {
    s.replicas = 10001;
    return ['spec.replicas'];
  }),
  m('replicas "three"', (s) => {
    s.replicas = 'three';
    return ['spec.replicas'];
  }),
  m('replicas 1.5', (s) => {
    s.replicas = 1.5;
    return ['spec.replicas'];
  }),
  m('replicas a list', (s) => {
    s.replicas = [1];
    return ['spec.replicas'];
  }),

  // Init steps
  m(
    'initSteps an object',
    (s) => {
      s.initSteps = { migrate: { image: 'm' } };
      return ['spec.initSteps'];
    },
    true,
  ),
  m(
    'initSteps a string',
    (s) => {
      s.initSteps = 'migrate';
      return ['spec.initSteps'];
    },
    true,
  ),
  m('more than 32 initSteps', (s, r) => {
    const steps = list(s, 'initSteps');
    if (!steps) return undefined;
    const want = 33 + r.int(8);
    while (steps.length < want) steps.push(containerStep(`many-${steps.length}`));
    return ['spec.initSteps'];
  }),
  m('init step with restartPolicy', (s, r) =>
    setIn(s, 'initSteps', anyStep(s, r), 'restartPolicy', r.pick(['Always', 'OnFailure', 'Never'])),
  ),
  m('init step with a negative timeoutSeconds', (s, r) =>
    setIn(s, 'initSteps', anyStep(s, r), 'timeoutSeconds', r.pick([-1, -30, 0])),
  ),
  m('init step with negative retries', (s, r) => setIn(s, 'initSteps', anyStep(s, r), 'retries', r.pick([-1, -5]))),
  m('init step with retries a string', (s, r) => setIn(s, 'initSteps', anyStep(s, r), 'retries', 'three')),
  m('init step without image', (s, r) => {
    const i = imageStep(s, r);
    if (i === undefined) return undefined;
    delete s.initSteps[i].image;
    return [`spec.initSteps[${i}].image`];
  }),
  m('init step image a number', (s, r) => setIn(s, 'initSteps', imageStep(s, r), 'image', 3)),
  m('init step without name', (s, r) => {
    const i = anyStep(s, r);
    if (i === undefined) return undefined;
    delete s.initSteps[i].name;
    return [`spec.initSteps[${i}].name`];
  }),
  ...badNames.map(([what, name]) =>
    m(`init step name ${what}`, (s, r) => setIn(s, 'initSteps', anyStep(s, r), 'name', name)),
  ),
  m('init step named like the app', (s, r) => {
    const a = app(s);
    const i = anyStep(s, r);
    if (!a || i === undefined) return undefined;
    s.initSteps[i].name = a.name ?? 'app';
    return [`spec.initSteps[${i}].name`];
  }),
  m('two init steps of one name', (s, r) => {
    const i = anyStep(s, r);
    if (i === undefined) return undefined;
    s.initSteps.push(containerStep(s.initSteps[i].name));
    return [`spec.initSteps[${s.initSteps.length - 1}].name`];
  }),
  m('waitFor with tcp and http', (s, r) => {
    const i = waitForStep(s, r);
    if (i === undefined) return undefined;
    Object.assign(s.initSteps[i].waitFor, { tcp: { host: 'db', port: 5432 }, http: { url: 'http://api/healthz' } });
    return [`spec.initSteps[${i}].waitFor`];
  }),
  m('waitFor with neither tcp nor http', (s, r) => {
    const i = waitForStep(s, r);
    if (i === undefined) return undefined;
    s.initSteps[i].waitFor = { timeoutSeconds: 30 };
    return [`spec.initSteps[${i}].waitFor`];
  }),
  m('waitFor and command', (s, r) =>
    setIn(s, 'initSteps', waitForStep(s, r), 'command', ['sh', '-c', 'nc -z db 5432']),
  ),
  m('waitFor and args', (s, r) => setIn(s, 'initSteps', waitForStep(s, r), 'args', ['--wait'])),
  m('waitFor a string', (s, r) => setIn(s, 'initSteps', waitForStep(s, r), 'waitFor', 'db:5432')),
  m('waitFor.timeoutSeconds 0', (s, r) => {
    const i = waitForStep(s, r);
    if (i === undefined) return undefined;
    s.initSteps[i].waitFor.timeoutSeconds = 0;
    return [`spec.initSteps[${i}].waitFor.timeoutSeconds`];
  }),
  m('waitFor.timeoutSeconds 86401', (s, r) => {
    const i = waitForStep(s, r);
    if (i === undefined) return undefined;
    s.initSteps[i].waitFor.timeoutSeconds = 86401;
    return [`spec.initSteps[${i}].waitFor.timeoutSeconds`];
  }),
  m('waitFor.timeoutSeconds "5m"', (s, r) => {
    const i = waitForStep(s, r);
    if (i === undefined) return undefined;
    s.initSteps[i].waitFor.timeoutSeconds = '5m';
    return [`spec.initSteps[${i}].waitFor.timeoutSeconds`];
  }),
  m('waitFor.periodSeconds 0', (s, r) => {
    const i = waitForStep(s, r);
    if (i === undefined) return undefined;
    s.initSteps[i].waitFor.periodSeconds = 0;
    return [`spec.initSteps[${i}].waitFor.periodSeconds`];
  }),
  m('waitFor.tcp.port 0', (s, r) => {
    const i = tcpStep(s, r);
    if (i === undefined) return undefined;
    s.initSteps[i].waitFor.tcp.port = 0;
    return [`spec.initSteps[${i}].waitFor.tcp.port`];
  }),
  m('waitFor.tcp.port 65536', (s, r) => {
    const i = tcpStep(s, r);
    if (i === undefined) return undefined;
    s.initSteps[i].waitFor.tcp.port = 65536;
    return [`spec.initSteps[${i}].waitFor.tcp.port`];
  }),
  m('waitFor.tcp.port "postgres"', (s, r) => {
    const i = tcpStep(s, r);
    if (i === undefined) return undefined;
    s.initSteps[i].waitFor.tcp.port = 'postgres';
    return [`spec.initSteps[${i}].waitFor.tcp.port`];
  }),
  m('waitFor.tcp.host empty', (s, r) => {
    const i = tcpStep(s, r);
    if (i === undefined) return undefined;
    s.initSteps[i].waitFor.tcp.host = '';
    return [`spec.initSteps[${i}].waitFor.tcp.host`];
  }),
  m('waitFor.tcp.host a URL', (s, r) => {
    const i = tcpStep(s, r);
    if (i === undefined) return undefined;
    s.initSteps[i].waitFor.tcp.host = 'tcp://db:5432';
    return [`spec.initSteps[${i}].waitFor.tcp.host`];
  }),
  m('waitFor.tcp.host with a space', (s, r) => {
    const i = tcpStep(s, r);
    if (i === undefined) return undefined;
    s.initSteps[i].waitFor.tcp.host = 'db; reboot';
    return [`spec.initSteps[${i}].waitFor.tcp.host`];
  }),
  m('waitFor.tcp.host missing', (s, r) => {
    const i = tcpStep(s, r);
    if (i === undefined) return undefined;
    delete s.initSteps[i].waitFor.tcp.host;
    return [`spec.initSteps[${i}].waitFor.tcp.host`];
  }),
  m('waitFor.tcp.hostname (unknown field)', (s, r) => {
    const i = tcpStep(s, r);
    if (i === undefined) return undefined;
    s.initSteps[i].waitFor.tcp.hostname = 'db';
    return [`spec.initSteps[${i}].waitFor.tcp.hostname`];
  }),
  m('waitFor.http.url not http', (s, r) => {
    const i = httpStep(s, r);
    if (i === undefined) return undefined;
    s.initSteps[i].waitFor.http.url = r.pick(['ftp://api/healthz', 'api:8080/healthz', 'http://api/a b']);
    return [`spec.initSteps[${i}].waitFor.http.url`];
  }),
  m('waitFor.http.url too long', (s, r) => {
    const i = httpStep(s, r);
    if (i === undefined) return undefined;
    s.initSteps[i].waitFor.http.url = `http://api/${'x'.repeat(2100)}`;
    return [`spec.initSteps[${i}].waitFor.http.url`];
  }),
  m('waitFor.exec (unknown field)', (s, r) => {
    const i = waitForStep(s, r);
    if (i === undefined) return undefined;
    s.initSteps[i].waitFor.exec = { command: ['true'] };
    return [`spec.initSteps[${i}].waitFor.exec`];
  }),
  m('init step commands (typo)', (s, r) => setIn(s, 'initSteps', imageStep(s, r), 'commands', ['true'])),

  // Sidecars
  m(
    'sidecars a string',
    (s) => {
      s.sidecars = 'log-shipper';
      return ['spec.sidecars'];
    },
    true,
  ),
  m('more than 32 sidecars', (s, r) => {
    const sidecars = list(s, 'sidecars');
    if (!sidecars) return undefined;
    const want = 33 + r.int(4);
    while (sidecars.length < want) sidecars.push(sidecar(`many-${sidecars.length}`));
    return ['spec.sidecars'];
  }),
  m('sidecar with restartPolicy', (s, r) =>
    setIn(s, 'sidecars', anySidecar(s, r), 'restartPolicy', r.pick(['Always', 'Never'])),
  ),
  m('sidecar without image', (s, r) => {
    const i = anySidecar(s, r);
    if (i === undefined) return undefined;
    delete s.sidecars[i].image;
    return [`spec.sidecars[${i}].image`];
  }),
  ...badNames.map(([what, name]) =>
    m(`sidecar name ${what}`, (s, r) => setIn(s, 'sidecars', anySidecar(s, r), 'name', name)),
  ),
  m('sidecar named like the app', (s, r) => {
    const a = app(s);
    const i = anySidecar(s, r);
    if (!a || i === undefined) return undefined;
    s.sidecars[i].name = a.name ?? 'app';
    return [`spec.sidecars[${i}].name`];
  }),
  m('sidecar named like an init step', (s, r) => {
    const j = anyStep(s, r);
    const i = anySidecar(s, r);
    if (j === undefined || i === undefined) return undefined;
    s.sidecars[i].name = s.initSteps[j].name;
    return [`spec.sidecars[${i}].name`];
  }),
  m('startBeforeInitSteps with Classic', (s, r) => {
    const i = anySidecar(s, r);
    if (i === undefined) return undefined;
    s.sidecarMode = 'Classic';
    s.sidecars[i].startBeforeInitSteps = true;
    return [`spec.sidecars[${i}].startBeforeInitSteps`];
  }),
  m('startBeforeInitSteps "yes"', (s, r) => setIn(s, 'sidecars', anySidecar(s, r), 'startBeforeInitSteps', 'yes')),
  m('waitUntilReady without a readinessProbe', (s, r) => {
    const i = anySidecar(s, r);
    if (i === undefined || s.sidecars[i].readinessProbe) return undefined;
    s.sidecars[i].waitUntilReady = true;
    return [`spec.sidecars[${i}].waitUntilReady`];
  }),
  m('waitUntilReady with Classic', (s, r) => {
    const i = anySidecar(s, r);
    if (i === undefined) return undefined;
    s.sidecarMode = 'Classic';
    s.sidecars[i].readinessProbe = { tcpSocket: { port: 9901 } };
    s.sidecars[i].waitUntilReady = true;
    return [`spec.sidecars[${i}].waitUntilReady`, 'spec.sidecars'];
  }),
  m('waitUntilReady with its own startupProbe', (s, r) => {
    const i = anySidecar(s, r);
    if (i === undefined) return undefined;
    s.sidecars[i].readinessProbe = { tcpSocket: { port: 9901 } };
    s.sidecars[i].startupProbe = { tcpSocket: { port: 9901 } };
    s.sidecars[i].waitUntilReady = true;
    return [`spec.sidecars[${i}].waitUntilReady`];
  }),
  m('optional sidecar with waitUntilReady', (s, r) => {
    const i = anySidecar(s, r);
    if (i === undefined) return undefined;
    s.sidecars[i].readinessProbe = { tcpSocket: { port: 9901 } };
    s.sidecars[i].waitUntilReady = true;
    s.sidecars[i].optional = true;
    return [`spec.sidecars[${i}].optional`];
  }),
  m('optional "yes" on a sidecar', (s, r) => setIn(s, 'sidecars', anySidecar(s, r), 'optional', 'yes')),
  m('optional init step', (s, r) => setIn(s, 'initSteps', anyStep(s, r), 'optional', true)),
  m("sidecar on the app's port", (s, r) => {
    const p = appPort(s);
    const i = anySidecar(s, r);
    if (!p || i === undefined) return undefined;
    const j = addPort(s.sidecars[i], {
      containerPort: p[0].containerPort,
      ...(p[0].protocol ? { protocol: p[0].protocol } : {}),
    });
    return j === undefined ? undefined : [`spec.sidecars[${i}].ports[${j}]`];
  }),
  m('two sidecars on one port', (s, r) => {
    const sidecars = list(s, 'sidecars');
    if (!sidecars) return undefined;
    const port = 9500 + r.int(400);
    sidecars.push(sidecar(`port-a-${sidecars.length}`, [{ containerPort: port }]));
    sidecars.push(sidecar(`port-b-${sidecars.length}`, [{ containerPort: port }]));
    return [`spec.sidecars[${sidecars.length - 1}].ports[0]`];
  }),
  m('sidecar readinessGate (unknown field)', (s, r) => setIn(s, 'sidecars', anySidecar(s, r), 'readinessGate', true)),

  // Modes and strategies
  m('sidecarMode unknown', (s, r) => {
    s.sidecarMode = r.pick(['Sometimes', 'native', 'Sidecar', '']);
    return ['spec.sidecarMode'];
  }),
  m('sidecarMode a boolean', (s) => {
    s.sidecarMode = true;
    return ['spec.sidecarMode'];
  }),
  m('updateStrategy.type unknown', (s, r) => {
    s.updateStrategy = { type: r.pick(['Rolling', 'OnDelete', 'recreate']) };
    return ['spec.updateStrategy.type'];
  }),
  m('updateStrategy.maxSurge (unknown field)', (s) => {
    s.updateStrategy = { type: 'RollingUpdate', maxSurge: 1 };
    return ['spec.updateStrategy.maxSurge'];
  }),
  m(
    'updateStrategy a string',
    (s) => {
      s.updateStrategy = 'Recreate';
      return ['spec.updateStrategy'];
    },
    true,
  ),

  // Volumes
  ...badNames
    .filter(([what]) => what !== 'empty')
    .map(([what, name]) => m(`volume name ${what}`, (s, r) => setIn(s, 'volumes', freeVolume(s, r), 'name', name))),
  m('two volumes of one name', (s, r) => {
    const v = freeVolume(s, r);
    if (v === undefined) return undefined;
    s.volumes.push({ name: s.volumes[v].name, emptyDir: {} });
    return [`spec.volumes[${s.volumes.length - 1}].name`];
  }),
  m('volume emptyDirr (unknown field)', (s, r) => setIn(s, 'volumes', freeVolume(s, r), 'emptyDirr', {})),
  m(
    'volumes an object',
    (s) => {
      s.volumes = { data: { emptyDir: {} } };
      return ['spec.volumes'];
    },
    true,
  ),
  m('sharedVolume named like a volume', (s, r) => {
    const v = freeVolume(s, r);
    const shared = list(s, 'sharedVolumes');
    if (v === undefined || !shared) return undefined;
    shared.push({ name: s.volumes[v].name, mountPath: `/shared/${uniqueName('p', r)}` });
    return [`spec.sharedVolumes[${shared.length - 1}].name`];
  }),
  m('sharedVolume mountPath relative', (s, r) => setIn(s, 'sharedVolumes', sharedVolume(s, r), 'mountPath', 'var/log')),
  m('sharedVolume mountPath empty', (s, r) => setIn(s, 'sharedVolumes', sharedVolume(s, r), 'mountPath', '')),
  m('sharedVolume without mountPath', (s, r) => {
    const i = sharedVolume(s, r);
    if (i === undefined) return undefined;
    delete s.sharedVolumes[i].mountPath;
    return [`spec.sharedVolumes[${i}].mountPath`];
  }),
  ...badNames.map(([what, name]) =>
    m(`sharedVolume name ${what}`, (s, r) => setIn(s, 'sharedVolumes', sharedVolume(s, r), 'name', name)),
  ),
  m('two sharedVolumes on one path', (s, r) => {
    const i = sharedVolume(s, r);
    if (i === undefined) return undefined;
    s.sharedVolumes.push({ name: uniqueName('twin', r), mountPath: s.sharedVolumes[i].mountPath });
    return [`spec.sharedVolumes[${s.sharedVolumes.length - 1}].mountPath`];
  }),
  m('sharedVolume readOnly (unknown field)', (s, r) => setIn(s, 'sharedVolumes', sharedVolume(s, r), 'readOnly', true)),

  // The Pod template
  m('label key not a qualified name', (s, r) => {
    const l = labels(s, 'labels');
    if (!l) return undefined;
    l[r.pick(['team name', '-team', 'Example.com/team', 'example.com/', `${'k'.repeat(64)}`, 'a/b/c'])] = 'web';
    return ['spec.podTemplate.metadata.labels'];
  }),
  m('label value not a label value', (s, r) => {
    const l = labels(s, 'labels');
    if (!l) return undefined;
    l.tier = r.pick(['front end', '-web', 'web!', 'v'.repeat(64)]);
    return ['spec.podTemplate.metadata.labels.tier'];
  }),
  m('label value a number', (s) => {
    const l = labels(s, 'labels');
    if (!l) return undefined;
    l.tier = 3;
    return ['spec.podTemplate.metadata.labels.tier'];
  }),
  m('annotation key not a qualified name', (s, r) => {
    const a = labels(s, 'annotations');
    if (!a) return undefined;
    a[r.pick(['note text', 'Example.com/note', '_note'])] = 'any text';
    return ['spec.podTemplate.metadata.annotations'];
  }),
  m('podTemplate.metadata.name (unknown field)', (s) => {
    s.podTemplate ??= {};
    if (!isObj(s.podTemplate)) return undefined;
    s.podTemplate.metadata = { ...(isObj(s.podTemplate.metadata) ? s.podTemplate.metadata : {}), name: 'pod' };
    return ['spec.podTemplate.metadata.name'];
  }),
  m('podTemplate.spec.containers', (s) => {
    s.podTemplate ??= {};
    if (!isObj(s.podTemplate)) return undefined;
    s.podTemplate.spec = { containers: [{ name: 'x', image: 'x' }] };
    return ['spec.podTemplate.spec.containers'];
  }),
  m('podTemplate.spec.volumes', (s) => {
    s.podTemplate ??= {};
    if (!isObj(s.podTemplate)) return undefined;
    s.podTemplate.spec = { volumes: [{ name: 'x', emptyDir: {} }] };
    return ['spec.podTemplate.spec.volumes'];
  }),
  m('podTemplate.spec.restartPolicy unknown', (s) => {
    s.podTemplate ??= {};
    if (!isObj(s.podTemplate)) return undefined;
    s.podTemplate.spec = { restartPolicy: 'Sometimes' };
    return ['spec.podTemplate.spec.restartPolicy'];
  }),
  m('podTemplate.spec.terminationGracePeriodSeconds a string', (s) => {
    s.podTemplate ??= {};
    if (!isObj(s.podTemplate)) return undefined;
    s.podTemplate.spec = { terminationGracePeriodSeconds: '30s' };
    return ['spec.podTemplate.spec.terminationGracePeriodSeconds'];
  }),

  // Unknown fields
  m('spec field unknown', (s, r) => {
    const f = r.pick(['sidecarsMode', 'initContainers', 'containers', 'image', 'replica']);
    s[f] = 1;
    return [`spec.${f}`];
  }),
  m('helperDefaults.image (unknown field)', (s) => {
    s.helperDefaults = { ...(isObj(s.helperDefaults) ? s.helperDefaults : {}), image: 'busybox' };
    return ['spec.helperDefaults.image'];
  }),
];

/** count distinct invalid objects named invalid-0000, invalid-0001, ..., each with one to three mutations. */
export function invalidCases(count: number, seed = 20261125): InvalidCase[] {
  const rnd = new Rnd(seed);
  const cases: InvalidCase[] = [];
  const seen = new Set<string>();
  let attempts = 0;
  while (cases.length < count) {
    if (++attempts > count * 20)
      throw new Error(`only ${cases.length} distinct invalid specs after ${attempts} attempts`);
    const spec = validSpec(rnd);
    const howMany = rnd.pick([1, 1, 1, 1, 2, 2, 2, 3, 3]);
    const chosen = new Set<Mutation>();
    while (chosen.size < howMany) chosen.add(rnd.pick(MUTATIONS));
    const ordered = [...chosen].sort((a, b) => Number(!!a.late) - Number(!!b.late));
    const applied: string[] = [];
    const fields: string[] = [];
    for (const mut of ordered) {
      const broke = mut.apply(spec, rnd);
      if (!broke) continue;
      applied.push(mut.id);
      for (const f of broke) if (!fields.includes(f)) fields.push(f);
    }
    if (applied.length === 0) continue;
    const key = JSON.stringify(spec);
    if (seen.has(key)) continue;
    seen.add(key);
    const name = `invalid-${String(cases.length).padStart(4, '0')}`;
    cases.push({
      name,
      mutations: applied,
      fields,
      manifest: { apiVersion: 'helpers.dev/v1alpha1', kind: 'AppWithHelpers', metadata: { name }, spec },
    });
  }
  return cases;
}

/**
 * The field paths a message names: the API server's "spec.x.y: Invalid value ..." items and
 * `unknown field "spec.x.y"`, and the operator's "spec.x.y: what is wrong" items.
 */
export function namedFields(message: string): string[] {
  const out = new Set<string>();
  for (const match of message.matchAll(/\b(spec(?:\.[A-Za-z0-9_-]+|\[\d+\])*)(?=: )/g)) out.add(match[1]);
  for (const match of message.matchAll(/unknown field "(spec[^"]*)"/g)) out.add(match[1]);
  out.delete('spec');
  return [...out];
}

/** Whether a named path is the broken field, a part of it or the list or object that holds it. */
export function related(named: string, field: string): boolean {
  const within = (inner: string, outer: string) =>
    inner === outer || inner.startsWith(`${outer}.`) || inner.startsWith(`${outer}[`);
  return within(named, field) || within(field, named);
}

/**
 * judge says whether a message about a case names a field it broke, and lists any field it
 * names that the case did not break (blaming an innocent field is a bug too).
 */
export function judge(c: InvalidCase, message: string): { names: boolean; innocent: string[]; named: string[] } {
  const named = namedFields(message);
  return {
    named,
    names: named.some((n) => c.fields.some((f) => related(n, f))),
    innocent: named.filter((n) => !c.fields.some((f) => related(n, f))),
  };
}
