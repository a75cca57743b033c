export const GROUP = 'helpers.dev';
export const VERSION = 'v1alpha1';
export const API_VERSION = `${GROUP}/${VERSION}`;
export const KIND = 'AppWithHelpers';
export const PLURAL = 'appwithhelpers';
export const SINGULAR = 'appwithhelpers';
export const SHORT_NAME = 'awh';
export const CRD_NAME = `${PLURAL}.${GROUP}`;

export const MANAGER = 'appwithhelpers-operator';
export const LABEL_MANAGED_BY = 'app.kubernetes.io/managed-by';
export const LABEL_APP = 'helpers.dev/app';
export const LABEL_TEMPLATE_HASH = 'helpers.dev/template-hash';
/** The optional sidecars' names (only when there are some), for their own restarts metric. */
export const ANNOTATION_OPTIONAL_SIDECARS = 'helpers.dev/optional-sidecars';
/** The annotation that numbers a Pod's slot (0..replicas-1), so names are stable and readable. */
export const ANNOTATION_SLOT = 'helpers.dev/slot';
/** The sidecars' container names, so a Pod alone says which of its containers are sidecars. */
export const ANNOTATION_SIDECARS = 'helpers.dev/sidecars';
/**
 * Failed attempts so far, per init step, of the Pods before this one in its slot with the same
 * template ("migrate=2,seed=1"): the retry budget is read from the Pods, not remembered elsewhere.
 */
export const ANNOTATION_STEP_FAILURES = 'helpers.dev/step-failures';

export const DEFAULT_APP_NAME = 'app';
export const DEFAULT_HELPER_IMAGE = 'busybox:1.36';

/** Condition types on an AppWithHelpers. */
export const ConditionType = {
  Ready: 'Ready',
  Initialized: 'Initialized',
  SidecarsReady: 'SidecarsReady',
  Progressing: 'Progressing',
  Degraded: 'Degraded',
  /** kstatus: True while the operator works toward the spec (kstatus InProgress). */
  Reconciling: 'Reconciling',
  /** kstatus: True when it cannot get there without a person (kstatus Failed). */
  Stalled: 'Stalled',
} as const;

/** Condition and Event reasons: PascalCase, one per situation a person can act on. */
export const Reason = {
  InvalidSpec: 'InvalidSpec',
  AsExpected: 'AsExpected',
  NoReplicas: 'NoReplicas',
  PodsPending: 'PodsPending',
  PodsReady: 'PodsReady',
  PodsNotReady: 'PodsNotReady',
  InitStepsSucceeded: 'InitStepsSucceeded',
  InitStepWaiting: 'InitStepWaiting',
  InitStepRunning: 'InitStepRunning',
  InitStepFailed: 'InitStepFailed',
  InitStepCrashLooping: 'InitStepCrashLooping',
  StepTimedOut: 'StepTimedOut',
  InitStepRetriesExhausted: 'InitStepRetriesExhausted',
  NoInitSteps: 'NoInitSteps',
  SidecarsStarted: 'SidecarsStarted',
  SidecarsNotReady: 'SidecarsNotReady',
  SidecarCrashLooping: 'SidecarCrashLooping',
  /** On SidecarsReady and a Warning Event only: an optional sidecar never makes the app Degraded. */
  OptionalSidecarCrashLooping: 'OptionalSidecarCrashLooping',
  /** sidecarMode Auto chose Classic sidecars (a server older than 1.29), so waitUntilReady cannot hold the app back. */
  SidecarWaitUnsupported: 'SidecarWaitUnsupported',
  NoSidecars: 'NoSidecars',
  AppCrashLooping: 'AppCrashLooping',
  AppFailed: 'AppFailed',
  /** On a sidecar's entry, not a condition: it was stopped with its ended Pod, it did not fail. */
  PodEnded: 'PodEnded',
  RollingUpdate: 'RollingUpdate',
  Complete: 'Complete',
  CreatingPods: 'CreatingPods',
  StartingPods: 'StartingPods',
  DeletingPods: 'DeletingPods',
  ProgressDeadlineExceeded: 'ProgressDeadlineExceeded',
  FailedCreate: 'FailedCreate',
  FailedDelete: 'FailedDelete',
  PodCreated: 'PodCreated',
  PodReplaced: 'PodReplaced',
  PodDeleted: 'PodDeleted',
} as const;
