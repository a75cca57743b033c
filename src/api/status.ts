/**
 * The status the operator writes on an AppWithHelpers (every init step's and sidecar's state,
 * the Pods, conditions and the display strings of `kubectl get`), and the AppWithHelpers object
 * as the API server hands it over. The zod schemas give the TypeScript types and, through
 * src/api/crd.ts, the CRD's status schema.
 */
import { z } from 'zod';

const stepState = z.enum(['Waiting', 'Running', 'Succeeded', 'Failed']);
const sidecarState = z.enum(['Waiting', 'Running', 'Terminated']);

export const conditionSchema = z.object({
  type: z.string(),
  status: z.enum(['True', 'False', 'Unknown']),
  reason: z.string(),
  message: z.string(),
  lastTransitionTime: z.string(),
  observedGeneration: z.number().int().optional(),
});

/** The last time a helper failed, kept across Pod replacements and rollouts until it succeeds with the current template. */
export const lastFailureSchema = z.object({
  exitCode: z.number().int().optional(),
  reason: z.string(),
  message: z.string().optional(),
  time: z.string().optional(),
  pod: z.string(),
});

export const stepStatusSchema = z.object({
  name: z.string(),
  state: stepState,
  restartCount: z.number().int().optional(),
  exitCode: z.number().int().optional(),
  reason: z.string().optional(),
  message: z.string().optional(),
  startedAt: z.string().optional(),
  finishedAt: z.string().optional(),
  lastFailure: lastFailureSchema.optional(),
});

export const helperStatusSchema = z.object({
  name: z.string(),
  state: sidecarState,
  ready: z.boolean(),
  restartCount: z.number().int(),
  reason: z.string().optional(),
  message: z.string().optional(),
  exitCode: z.number().int().optional(),
  lastFailure: lastFailureSchema.optional(),
});

export const statusSchema = z.object({
  observedGeneration: z.number().int().optional(),
  phase: z
    .enum(['Pending', 'Initializing', 'Running', 'Degraded', 'Failed'])
    .optional()
    .describe('Pending | Initializing | Running | Degraded | Failed'),
  podStatus: z.string().optional().describe('What `kubectl get pod` prints as STATUS for the least advanced Pod.'),
  replicas: z.number().int().optional(),
  readyReplicas: z.number().int().optional(),
  updatedReplicas: z.number().int().optional(),
  ready: z.string().optional().describe('Ready Pods / wanted Pods.'),
  initProgress: z.string().optional().describe('Init steps finished / init steps, for the least advanced Pod.'),
  sidecarsReady: z.string().optional().describe('Ready sidecars / sidecars, for the least advanced Pod.'),
  restarts: z.number().int().optional().describe('Container restarts across all Pods.'),
  initSteps: z.array(stepStatusSchema).optional(),
  sidecars: z.array(helperStatusSchema).optional(),
  app: helperStatusSchema.optional(),
  pods: z
    .array(
      z.object({
        name: z.string(),
        phase: z.string(),
        status: z.string(),
        ready: z.string(),
        restarts: z.number().int(),
      }),
    )
    .optional(),
  lastProgressTime: z
    .string()
    .optional()
    .describe('When the Pods last made progress; spec.progressDeadlineSeconds counts from here.'),
  conditions: z
    .array(conditionSchema)
    .optional()
    .meta({ 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'] }),
});

export type Condition = z.output<typeof conditionSchema>;
export type StepStatus = z.output<typeof stepStatusSchema>;
export type HelperStatus = z.output<typeof helperStatusSchema>;
export type LastFailure = z.output<typeof lastFailureSchema>;
export type AppStatus = z.output<typeof statusSchema>;

/** An AppWithHelpers as it comes from the API server (spec not yet validated). */
export interface AppWithHelpers {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace: string;
    uid: string;
    generation?: number;
    resourceVersion?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    deletionTimestamp?: string;
    creationTimestamp?: string;
  };
  spec?: unknown;
  status?: AppStatus;
}
