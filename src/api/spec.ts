/**
 * The AppWithHelpers spec as a zod schema: the TypeScript types, the shape the operator checks
 * (src/api/validation/ adds the checks across fields) and, through src/api/crd.ts, the CRD's spec
 * schema. Rules the API server checks with CEL sit on the schemas by name (src/api/cel-rules.ts).
 */
import { z } from 'zod';
import { CEL, celValidations } from './cel-rules';
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
