/**
 * The CEL rules of the CRD, by name. The API server checks each at admission; the operator checks
 * the same thing itself (src/api/validation/), for objects stored before a rule existed, and gives
 * the same message. Both take the message from here, so the two cannot drift apart.
 *
 * Rules are grouped by the object they sit on (`self` in a rule is that object), and a group's
 * order is the order of its x-kubernetes-validations in the CRD.
 */

/** One entry of a CRD schema's x-kubernetes-validations. */
export interface CelRule {
  rule: string;
  fieldPath?: string;
  message: string;
}

/** How every message about repeated container names begins; the operator's own says which name repeats where. */
export const NAMES_UNIQUE = 'names must be unique across app, initSteps and sidecars';

/** The AppWithHelpers object itself. */
const object = {
  nameFitsLabel: {
    rule: 'self.metadata.name.size() <= 63',
    message: 'metadata.name: at most 63 characters, so it fits the helpers.dev/app label of its Pods',
  },
} satisfies Record<string, CelRule>;

/** An init step's waitFor. */
const waitFor = {
  oneTarget: { rule: 'has(self.tcp) != has(self.http)', message: 'waitFor needs exactly one of tcp or http' },
} satisfies Record<string, CelRule>;

/** One init step. */
const initStep = {
  waitForRunsNoCommand: {
    rule: '!has(self.waitFor) || (!has(self.command) && !has(self.args))',
    message: 'a waitFor step runs the built-in wait: it sets neither command nor args',
  },
  needsImage: { rule: 'has(self.waitFor) || has(self.image)', message: 'an init step needs an image (or a waitFor)' },
  noRestartPolicy: {
    rule: '!has(self.restartPolicy)',
    message:
      'init steps run to completion; declare long-running helpers under sidecars instead of setting restartPolicy',
  },
  noProbesOrLifecycle: {
    rule: '!has(self.livenessProbe) && !has(self.readinessProbe) && !has(self.startupProbe) && !has(self.lifecycle)',
    message:
      'init steps run to completion, so they take no probes or lifecycle hooks; a helper that needs them is a sidecar',
  },
  notOptional: {
    rule: '!has(self.optional) || !self.optional',
    fieldPath: '.optional',
    message:
      'optional is for sidecars: the app starts only after every init step succeeded; remove it, or make this helper a sidecar',
  },
} satisfies Record<string, CelRule>;

/** One sidecar. */
const sidecar = {
  needsImage: { rule: 'has(self.image)', message: 'a sidecar needs an image' },
  noRestartPolicy: {
    rule: '!has(self.restartPolicy)',
    message: "the operator sets a sidecar's restartPolicy from sidecarMode; leave it out",
  },
  waitUntilReadyNeedsReadinessProbe: {
    rule: '!has(self.waitUntilReady) || !self.waitUntilReady || has(self.readinessProbe)',
    fieldPath: '.waitUntilReady',
    message: 'waitUntilReady waits for the readinessProbe to pass: give this sidecar a readinessProbe',
  },
  waitUntilReadyWithoutStartupProbe: {
    rule: '!has(self.waitUntilReady) || !self.waitUntilReady || !has(self.startupProbe)',
    fieldPath: '.waitUntilReady',
    message:
      'waitUntilReady makes the startupProbe from the readinessProbe: remove the startupProbe, or remove waitUntilReady (a startupProbe of its own already holds back the next container until it passes)',
  },
  optionalWithoutWaitUntilReady: {
    rule: '!has(self.waitUntilReady) || !self.waitUntilReady || !has(self.optional) || !self.optional',
    fieldPath: '.optional',
    message:
      'an optional sidecar cannot have waitUntilReady: the app would wait for a sidecar whose failures are not to count',
  },
} satisfies Record<string, CelRule>;

/** The spec: rules across its fields (names, volumes, sidecarMode). */
const spec = {
  stepNotNamedLikeApp: {
    rule: '!has(self.initSteps) || self.initSteps.all(s, s.name != self.app.name)',
    fieldPath: '.initSteps',
    message: `${NAMES_UNIQUE}: an init step has the app's name`,
  },
  sidecarNotNamedLikeApp: {
    rule: '!has(self.sidecars) || self.sidecars.all(s, s.name != self.app.name)',
    fieldPath: '.sidecars',
    message: `${NAMES_UNIQUE}: a sidecar has the app's name`,
  },
  sidecarNotNamedLikeStep: {
    rule: '!has(self.initSteps) || !has(self.sidecars) || self.sidecars.all(s, !self.initSteps.exists(i, i.name == s.name))',
    fieldPath: '.sidecars',
    message: `${NAMES_UNIQUE}: a sidecar has an init step's name`,
  },
  sharedVolumeNotNamedLikeVolume: {
    rule: '!has(self.sharedVolumes) || !has(self.volumes) || self.sharedVolumes.all(s, !self.volumes.exists(v, v.name == s.name))',
    fieldPath: '.sharedVolumes',
    message: 'sharedVolumes names must not repeat names in volumes',
  },
  startBeforeInitStepsNeedsNative: {
    rule: "self.sidecarMode != 'Classic' || !has(self.sidecars) || self.sidecars.all(s, !has(s.startBeforeInitSteps) || !s.startBeforeInitSteps)",
    fieldPath: '.sidecars',
    message: 'startBeforeInitSteps needs native sidecars: it is invalid with sidecarMode Classic',
  },
  sharedVolumeMountPathsDistinct: {
    rule: '!has(self.sharedVolumes) || self.sharedVolumes.all(a, self.sharedVolumes.exists_one(b, b.mountPath == a.mountPath))',
    fieldPath: '.sharedVolumes',
    message: 'sharedVolumes need distinct mountPaths: each is mounted in every container',
  },
  waitUntilReadyNeedsNative: {
    rule: "self.sidecarMode != 'Classic' || !has(self.sidecars) || self.sidecars.all(s, !has(s.waitUntilReady) || !s.waitUntilReady)",
    fieldPath: '.sidecars',
    message: 'waitUntilReady needs native sidecars: it is invalid with sidecarMode Classic',
  },
} satisfies Record<string, CelRule>;

/** Every CEL rule, by the object it sits on and its name: `CEL.initStep.needsImage.message`. */
export const CEL = { object, waitFor, initStep, sidecar, spec };

/** A schema's `.meta()` that gives it a group of rules as its x-kubernetes-validations, in the group's order. */
export function celValidations(rules: Record<string, CelRule>): { 'x-kubernetes-validations': CelRule[] } {
  return { 'x-kubernetes-validations': Object.values(rules) };
}
