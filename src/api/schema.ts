/**
 * The AppWithHelpers API as one zod schema: the TypeScript types, the operator's validation and
 * (through scripts/generate-crd.ts) the CRD. Each rule the API server can check is written twice,
 * side by side: as a CEL rule in `.meta()` (admission) and as a refinement (the operator's own
 * check, for objects stored before a rule existed). Keep their messages identical.
 */
import { z } from 'zod';
import { CEL, celValidations, NAMES_UNIQUE } from './cel-rules';
import { DEFAULT_APP_NAME } from './constants';
import { absolutePath, dnsLabel, image, labelValue, portName, qualifiedName, TCP_HOST } from './formats';

/** Marks a schema whose CRD form is the pinned Kubernetes' own core/v1 schema of that name. */
type CoreV1Name = 'Container' | 'Volume' | 'PodSpec' | 'ResourceRequirements' | 'SecurityContext';
const core = (name: CoreV1Name) => ({ coreV1: name });

/** The core/v1 Container fields the operator reads; every other field passes through untouched. */
const containerFields = {
  name: dnsLabel,
  image: image.optional(),
  command: z.array(z.string()).optional(),
  args: z.array(z.string()).optional(),
  env: z.array(z.looseObject({ name: z.string() })).optional(),
  restartPolicy: z.string().optional(),
  readinessProbe: z.looseObject({}).optional(),
  startupProbe: z.looseObject({}).optional(),
  terminationMessagePolicy: z.string().optional(),
  resources: z.looseObject({}).optional(),
  securityContext: z.looseObject({}).optional(),
  volumeMounts: z.array(z.looseObject({ name: z.string(), mountPath: absolutePath })).optional(),
  ports: z
    .array(z.looseObject({ containerPort: z.number().int().min(1).max(65535), name: portName.optional() }))
    .optional(),
};

export const appContainerSchema = z
  .looseObject({
    ...containerFields,
    name: dnsLabel.default(DEFAULT_APP_NAME),
    image,
  })
  .meta(core('Container'))
  .describe('The main container: a core/v1 Container. Its name defaults to "app".');

export const waitForSchema = z
  .object({
    tcp: z
      .object({
        host: z
          .string()
          .min(1)
          .max(253)
          .regex(TCP_HOST, 'must be a DNS name (a Service name such as db or db.shop.svc) or an IP address')
          .describe('Host name or IP address to connect to, e.g. a Service name.'),
        port: z.number().int().min(1).max(65535).describe('TCP port, 1-65535.'),
      })
      .optional()
      .describe('Wait until a TCP connection to host:port succeeds.'),
    http: z
      .object({
        url: z
          .string()
          .max(2048)
          .regex(/^https?:\/\/[^\s]+$/, 'must be an http:// or https:// URL')
          .describe(
            'URL to GET. A 2xx answer counts; a redirect is followed and the answer at its end decides. Each failed try prints why (the HTTP status, a refused connection, a TLS error).',
          ),
      })
      .optional()
      .describe('Wait until an HTTP GET of url answers 2xx (after following redirects).'),
    timeoutSeconds: z
      .number()
      .int()
      .min(1)
      .max(86400)
      .default(300)
      .describe('Give up after this many seconds; the step then fails with a clear message. Default 300.'),
    periodSeconds: z.number().int().min(1).max(3600).default(2).describe('Seconds between tries. Default 2.'),
  })
  .meta(celValidations(CEL.waitFor))
  .describe(
    'A built-in wait: the step polls a TCP or HTTP target until it answers or timeoutSeconds pass. No shell script to write.',
  );

/** The Container fields a Pod refuses on an init container that runs to completion. */
const NOT_FOR_STEPS = ['livenessProbe', 'readinessProbe', 'startupProbe', 'lifecycle'] as const;

/** A step's own policies: the operator acts on them; they are not Container fields and never reach the Pod. */
export const STEP_POLICY_FIELDS = ['timeoutSeconds', 'retries'] as const;

export const initStepSchema = z
  .looseObject({
    ...containerFields,
    optional: z
      .boolean()
      .optional()
      .describe('Sidecars only. An init step cannot be optional: true is refused (every step must succeed).'),
    waitFor: waitForSchema.optional(),
    timeoutSeconds: z
      .number()
      .int()
      .min(1)
      .max(2147483647)
      .optional()
      .describe(
        'Seconds one attempt of this step may run. Longer, it fails with reason StepTimedOut and the operator ends the attempt by replacing the Pod (Kubernetes has no per-container deadline). Counts as a failed attempt for retries. Default: no limit.',
      ),
    retries: z
      .number()
      .int()
      .min(0)
      .max(100)
      .optional()
      .describe(
        'Failed attempts allowed after the first. Set, each attempt is a Pod: the step fails its Pod instead of restarting in it (container restartPolicy Never), and the operator replaces the Pod until retries are used up; then the step is not run again (Degraded and Stalled, reason InitStepRetriesExhausted) and the last failing Pod is kept for kubectl logs. A spec change or the helpers.dev/restartedAt annotation in podTemplate starts over. Default: unlimited, restarted in place by the kubelet.',
      ),
  })
  .meta({ ...core('Container'), ...celValidations(CEL.initStep) })
  .describe('An init step: a core/v1 Container that runs to completion before the next step, or a waitFor.');

export const sidecarSchema = z
  .looseObject({
    ...containerFields,
    startBeforeInitSteps: z
      .boolean()
      .optional()
      .describe(
        'Native mode only: start this sidecar before the init steps, so they can use it (a proxy, say). Invalid in Classic mode.',
      ),
    waitUntilReady: z
      .boolean()
      .optional()
      .describe(
        "Native mode only: the next init step (with startBeforeInitSteps) or the app starts only once this sidecar is ready, not merely started. The operator gives it a startupProbe with its readinessProbe's check that never gives up, so a slow sidecar is waited for, not killed; one that never gets ready shows in the status and, after progressDeadlineSeconds, as Stalled. Needs a readinessProbe; invalid with sidecarMode Classic, with a startupProbe of its own or with optional. Changing it rolls the Pods.",
      ),
    optional: z
      .boolean()
      .optional()
      .describe(
        "This sidecar's failures are reported (its status entry, the SidecarsReady condition, a Warning Event, the sidecar restarts metric) but never make the AppWithHelpers Degraded or Stalled. A crashed or unready sidecar still makes its Pod not ready (Kubernetes decides that), so Ready stays False meanwhile. Changing it rolls the Pods.",
      ),
  })
  .meta({ ...core('Container'), ...celValidations(CEL.sidecar) })
  .describe('A sidecar: a core/v1 Container that runs beside the app for its whole life.');

export const sharedVolumeSchema = z
  .object({
    name: dnsLabel.describe('Volume name; must not repeat a name in volumes.'),
    mountPath: absolutePath.describe('Where every container mounts it.'),
  })
  .describe('An emptyDir mounted at the same path in the app, every init step and every sidecar.');

const byName = { 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'] };

export const specSchema = z
  .object({
    replicas: z.number().int().min(0).max(10000).default(1).describe('How many Pods to keep. Default 1; 0 keeps none.'),
    progressDeadlineSeconds: z
      .number()
      .int()
      .min(1)
      .max(2147483647)
      .default(600)
      .describe(
        'Seconds the Pods may go without progress (a Pod created, a step finished, a Pod ready) before Progressing turns False with ProgressDeadlineExceeded and Stalled True, as for a Deployment. Default 600. Not part of the Pod template: changing it rolls no Pod.',
      ),
    app: appContainerSchema,
    initSteps: z
      .array(initStepSchema)
      .max(32)
      .optional()
      .meta(byName)
      .describe(
        'Steps that run one after another, each to completion, before the app starts: a core/v1 Container or a waitFor.',
      ),
    sidecars: z
      .array(sidecarSchema)
      .max(32)
      .optional()
      .meta(byName)
      .describe('Helpers that run beside the app for its whole life, sharing its network and volumes.'),
    sidecarMode: z
      .enum(['Auto', 'Native', 'Classic'])
      .default('Auto')
      .describe(
        'Native: sidecars are init containers with restartPolicy Always (started before the app, stopped after it). Classic: ordinary containers beside the app. Auto (default): Native on Kubernetes 1.29 or newer, else Classic.',
      ),
    volumes: z
      .array(z.looseObject({ name: dnsLabel }).meta(core('Volume')))
      .max(64)
      .optional()
      .meta(byName)
      .describe('core/v1 Volumes of the Pod.'),
    sharedVolumes: z
      .array(sharedVolumeSchema)
      .max(32)
      .optional()
      .meta(byName)
      .describe('Shorthand: an emptyDir mounted at the same path in every container.'),
    helperDefaults: z
      .object({
        resources: z
          .looseObject({})
          .meta(core('ResourceRequirements'))
          .optional()
          .describe('Resources for every init step and sidecar that sets none.'),
        securityContext: z
          .looseObject({})
          .meta(core('SecurityContext'))
          .optional()
          .describe('Security context for every init step and sidecar that sets none.'),
      })
      .optional()
      .describe('Defaults for every init step and sidecar that does not set its own.'),
    podTemplate: z
      .object({
        metadata: z
          .object({
            labels: z.record(qualifiedName, labelValue).optional().describe('Labels added to every Pod.'),
            annotations: z.record(qualifiedName, z.string()).optional().describe('Annotations added to every Pod.'),
          })
          .optional()
          .describe('Labels and annotations for the Pods.'),
        spec: z
          .looseObject({})
          .meta(core('PodSpec'))
          .optional()
          .describe(
            'PodSpec fields other than containers, initContainers and volumes (those come from app, initSteps, sidecars and volumes).',
          ),
      })
      .optional()
      .describe('The rest of the Pod: metadata and PodSpec fields.'),
    updateStrategy: z
      .object({
        type: z
          .enum(['RollingUpdate', 'Recreate'])
          .default('RollingUpdate')
          .describe(
            'RollingUpdate (default): replace Pods one by one, new before old. Recreate: delete the old Pods, then create new ones.',
          ),
      })
      .optional()
      .describe('How Pods whose template changed are replaced.'),
  })
  .meta(celValidations(CEL.spec))
  .describe('The app, its ordered init steps and its sidecars.');

export type AppSpecInput = z.input<typeof specSchema>;
export type AppSpec = z.output<typeof specSchema>;
export type InitStep = z.output<typeof initStepSchema>;
export type Sidecar = z.output<typeof sidecarSchema>;
export type WaitFor = z.output<typeof waitForSchema>;

export type ParsedSpec = { ok: true; spec: AppSpec } | { ok: false; errors: string[] };

/**
 * parseSpec validates a stored spec. The CRD already refuses most bad input; this catches what
 * was stored before a rule existed, and gives each problem as "field.path: what is wrong".
 */
export function parseSpec(raw: unknown): ParsedSpec {
  const result = specSchema.safeParse(raw ?? {});
  const errors = result.success ? crossFieldErrors(result.data) : result.error.issues.map(describeIssue);
  return errors.length === 0 && result.success ? { ok: true, spec: result.data } : { ok: false, errors };
}

function describeIssue(issue: z.core.$ZodIssue): string {
  // A bad map key is named the way the API server names one: the map's path, then the key.
  const key = issue.code === 'invalid_key' ? issue.path[issue.path.length - 1] : undefined;
  const path = key === undefined ? issue.path : issue.path.slice(0, -1);
  const where = ['spec', ...path.map((p) => (typeof p === 'number' ? `[${p}]` : String(p)))]
    .join('.')
    .replace(/\.\[/g, '[');
  if (issue.code === 'invalid_key')
    return `${where}: key "${String(key)}" ${issue.issues[0]?.message ?? issue.message}`;
  return `${where}: ${issue.message}`;
}

/** The CEL rules (CEL in ./cel-rules) and more, for the operator's own check. */
function crossFieldErrors(spec: AppSpec): string[] {
  const errors: string[] = [];
  const steps = spec.initSteps ?? [];
  const sidecars = spec.sidecars ?? [];
  const seen = new Map<string, string>([[spec.app.name, 'spec.app']]);
  const claim = (name: string, where: string) => {
    const first = seen.get(name);
    if (first) errors.push(`${where}.name: ${NAMES_UNIQUE}: "${name}" is also ${first}`);
    else seen.set(name, where);
  };
  steps.forEach((s, i) => claim(s.name, `spec.initSteps[${i}]`));
  sidecars.forEach((s, i) => claim(s.name, `spec.sidecars[${i}]`));
  steps.forEach((s, i) => {
    const at = `spec.initSteps[${i}]`;
    if (s.waitFor && (s.command || s.args)) errors.push(`${at}: ${CEL.initStep.waitForRunsNoCommand.message}`);
    if (!s.waitFor && !s.image) errors.push(`${at}: ${CEL.initStep.needsImage.message}`);
    if (s.restartPolicy) errors.push(`${at}: ${CEL.initStep.noRestartPolicy.message}`);
    for (const field of NOT_FOR_STEPS)
      if ((s as Record<string, unknown>)[field] !== undefined)
        errors.push(`${at}.${field}: ${CEL.initStep.noProbesOrLifecycle.message}`);
    if (s.optional) errors.push(`${at}.optional: ${CEL.initStep.notOptional.message}`);
    if (s.waitFor && !!s.waitFor.tcp === !!s.waitFor.http)
      errors.push(`${at}.waitFor: ${CEL.waitFor.oneTarget.message}`);
  });
  sidecars.forEach((s, i) => {
    const at = `spec.sidecars[${i}]`;
    if (!s.image) errors.push(`${at}: ${CEL.sidecar.needsImage.message}`);
    if (s.restartPolicy) errors.push(`${at}: ${CEL.sidecar.noRestartPolicy.message}`);
    if (s.startBeforeInitSteps && spec.sidecarMode === 'Classic')
      errors.push(`${at}.startBeforeInitSteps: ${CEL.spec.startBeforeInitStepsNeedsNative.message}`);
    if (s.waitUntilReady) {
      if (!s.readinessProbe)
        errors.push(`${at}.waitUntilReady: ${CEL.sidecar.waitUntilReadyNeedsReadinessProbe.message}`);
      if (s.startupProbe) errors.push(`${at}.waitUntilReady: ${CEL.sidecar.waitUntilReadyWithoutStartupProbe.message}`);
      if (s.optional) errors.push(`${at}.optional: ${CEL.sidecar.optionalWithoutWaitUntilReady.message}`);
      if (spec.sidecarMode === 'Classic')
        errors.push(`${at}.waitUntilReady: ${CEL.spec.waitUntilReadyNeedsNative.message}`);
    }
  });
  const volumeNames = new Set((spec.volumes ?? []).map((v) => v.name));
  const shared = spec.sharedVolumes ?? [];
  const unique = <T>(list: T[], key: (t: T) => unknown, say: (i: number, first: number) => string) =>
    list.forEach((t, i) => {
      const first = list.findIndex((u) => key(u) === key(t));
      if (first < i) errors.push(say(i, first));
    });
  unique(
    spec.volumes ?? [],
    (v) => v.name,
    (i, first) =>
      `spec.volumes[${i}].name: "${spec.volumes![i].name}" is also spec.volumes[${first}]; volume names must be unique`,
  );
  unique(
    shared,
    (v) => v.name,
    (i, first) =>
      `spec.sharedVolumes[${i}].name: "${shared[i].name}" is also spec.sharedVolumes[${first}]; volume names must be unique`,
  );
  shared.forEach((v, i) => {
    if (volumeNames.has(v.name))
      errors.push(`spec.sharedVolumes[${i}].name: ${CEL.spec.sharedVolumeNotNamedLikeVolume.message} ("${v.name}")`);
    const first = shared.findIndex((w) => w.mountPath === v.mountPath);
    if (first < i)
      errors.push(
        `spec.sharedVolumes[${i}].mountPath: ${CEL.spec.sharedVolumeMountPathsDistinct.message} ("${v.mountPath}" is also spec.sharedVolumes[${first}])`,
      );
  });
  const containers: Array<
    [
      string,
      {
        name: string;
        volumeMounts?: Array<{ name: string; mountPath: string }>;
        ports?: Array<{ containerPort: number; protocol?: unknown; name?: string }>;
      },
    ]
  > = [
    ['spec.app', spec.app],
    ...steps.map((s, i) => [`spec.initSteps[${i}]`, s] as [string, typeof s]),
    ...sidecars.map((s, i) => [`spec.sidecars[${i}]`, s] as [string, typeof s]),
  ];
  // The guide's "shared volume issues": a mount of a volume the Pod does not have.
  const mountable = new Set([...volumeNames, ...shared.map((v) => v.name)]);
  for (const [at, c] of containers) {
    const mounts = c.volumeMounts ?? [];
    mounts.forEach((m, j) => {
      if (!mountable.has(m.name))
        errors.push(`${at}.volumeMounts[${j}].name: no volume named "${m.name}" in volumes or sharedVolumes`);
      // Every sharedVolume this container does not mount by name is added at its mountPath; two mounts on one path make the Pod invalid.
      const clash = shared.find((v) => v.mountPath === m.mountPath && !mounts.some((n) => n.name === v.name));
      if (clash)
        errors.push(
          `${at}.volumeMounts[${j}].mountPath: "${m.mountPath}" is where sharedVolume "${clash.name}" is mounted in every container; mount "${m.name}" elsewhere`,
        );
    });
    unique(
      mounts,
      (m) => m.mountPath,
      (j, first) =>
        `${at}.volumeMounts[${j}].mountPath: "${mounts[j].mountPath}" is also the mountPath of ${at}.volumeMounts[${first}]; a container mounts one volume at a path`,
    );
    const named = (c.ports ?? []).filter((p) => p.name !== undefined);
    unique(
      named,
      (p) => p.name,
      (j, first) =>
        `${at}.ports[${c.ports!.indexOf(named[j])}].name: "${named[j].name}" is also the name of ${at}.ports[${c.ports!.indexOf(named[first])}]; port names must be unique in a container`,
    );
  }
  // The guide's "network connectivity issues": the app and its sidecars share one network namespace.
  const ports = new Map<string, string>();
  for (const [at, c] of containers.filter(([at]) => !at.startsWith('spec.initSteps'))) {
    (c.ports ?? []).forEach((p, j) => {
      const port = `${p.containerPort}/${typeof p.protocol === 'string' ? p.protocol : 'TCP'}`;
      const first = ports.get(port);
      if (first)
        errors.push(
          `${at}.ports[${j}]: port ${port} is also declared by ${first}; containers in a Pod share one network namespace, so only one can listen on it`,
        );
      else ports.set(port, `${at} (${c.name})`);
    });
  }
  return errors;
}
