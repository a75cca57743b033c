import type { V1Pod } from '@kubernetes/client-node';
import {
  ANNOTATION_OPTIONAL_SIDECARS,
  ANNOTATION_SIDECARS,
  ANNOTATION_SLOT,
  API_VERSION,
  KIND,
  LABEL_APP,
  LABEL_MANAGED_BY,
  LABEL_TEMPLATE_HASH,
  MANAGER,
} from '../api/constants';
import type { AppSpec, InitStep, Sidecar } from '../api/spec';
import { specTemplateHash } from './template-hash';
import { WAIT_SCRIPT, waitEnv } from './wait-script';

export interface RenderOptions {
  /** Image for waitFor steps that name none. */
  helperImage: string;
  /** The API server's version, for sidecarMode Auto; undefined means unknown (then Classic). */
  serverVersion?: { major: number; minor: number };
  /** The waitFor script (default WAIT_SCRIPT); another one stands for another operator version in tests. */
  waitScript?: string;
}

/** The owner a Pod is rendered for. */
export interface Owner {
  name: string;
  namespace: string;
  uid: string;
}

type Obj = Record<string, unknown>;

/** resolveSidecarMode turns Auto into Native on Kubernetes 1.29 or newer, else Classic. */
export function resolveSidecarMode(spec: AppSpec, options: RenderOptions): 'Native' | 'Classic' {
  if (spec.sidecarMode !== 'Auto') return spec.sidecarMode;
  const v = options.serverVersion;
  return v && (v.major > 1 || (v.major === 1 && v.minor >= 29)) ? 'Native' : 'Classic';
}

/**
 * renderPodTemplate builds the Pod every replica runs, without its name: deterministic for the
 * same inputs. Its template hash covers the Pod-shaping fields of `written`, the spec as stored
 * (see template-hash.ts), not the rendering: the same spec keeps its Pods across operator versions.
 */
export function renderPodTemplate(
  owner: Owner,
  spec: AppSpec,
  options: RenderOptions,
  written: unknown = spec,
): { pod: V1Pod; hash: string } {
  const podSpec = renderPodSpec(spec, options);
  const hash = specTemplateHash(written);
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: renderMetadata(owner, spec, hash), spec: podSpec };
  return { pod: pod as unknown as V1Pod, hash };
}

/** The PodSpec: podTemplate.spec with the operator's containers and volumes. */
function renderPodSpec(spec: AppSpec, options: RenderOptions): Obj {
  const { initContainers, containers } = renderContainers(spec, options);
  const volumes = [...(spec.volumes ?? []), ...(spec.sharedVolumes ?? []).map((v) => ({ name: v.name, emptyDir: {} }))];

  // The containers and volumes are ours alone: a podTemplate.spec that names them is ignored, as the CRD prunes them.
  const {
    containers: _c,
    initContainers: _i,
    ephemeralContainers: _e,
    volumes: _v,
    ...templateSpec
  } = (spec.podTemplate?.spec ?? {}) as Obj;
  return {
    ...templateSpec,
    ...(initContainers.length ? { initContainers } : {}),
    containers,
    ...(volumes.length ? { volumes } : {}),
  };
}

/**
 * The app, the init steps and the sidecars as containers. Native sidecars are init containers
 * around the steps (startBeforeInitSteps ones first); Classic ones run beside the app.
 */
function renderContainers(spec: AppSpec, options: RenderOptions): { initContainers: Obj[]; containers: Obj[] } {
  const mode = resolveSidecarMode(spec, options);
  const shared = spec.sharedVolumes ?? [];
  // helperDefaults are for the steps and sidecars only; every container mounts the shared volumes.
  const helper = (c: Obj): Obj => withSharedVolumes(withHelperDefaults(c, spec.helperDefaults), shared);

  // optional is refused on a step (only false gets here) and is no Container field.
  const steps = (spec.initSteps ?? []).map(({ optional: _, ...s }) => helper(renderStep(s, options)));
  const sidecars = (spec.sidecars ?? []).map((s) => ({
    first: !!s.startBeforeInitSteps,
    container: helper(renderSidecar(s, mode)),
  }));
  const app = withSharedVolumes(withLogsOnError({ ...spec.app }), shared);
  const initContainers =
    mode === 'Native'
      ? [
          ...sidecars.filter((s) => s.first).map((s) => s.container),
          ...steps,
          ...sidecars.filter((s) => !s.first).map((s) => s.container),
        ]
      : steps;
  const containers = mode === 'Native' ? [app] : [app, ...sidecars.map((s) => s.container)];
  return { initContainers, containers };
}

/** withSharedVolumes mounts every shared volume a container does not mount itself. */
function withSharedVolumes(c: Obj, shared: NonNullable<AppSpec['sharedVolumes']>): Obj {
  const mounts = (c.volumeMounts as Array<{ name: string }> | undefined) ?? [];
  const missing = shared
    .filter((v) => !mounts.some((m) => m.name === v.name))
    .map((v) => ({ name: v.name, mountPath: v.mountPath }));
  return missing.length ? { ...c, volumeMounts: [...mounts, ...missing] } : c;
}

/** withHelperDefaults gives a step or sidecar the helperDefaults it does not set itself. */
function withHelperDefaults(c: Obj, defaults: AppSpec['helperDefaults']): Obj {
  return {
    ...c,
    ...(defaults?.resources && !c.resources ? { resources: defaults.resources } : {}),
    ...(defaults?.securityContext && !c.securityContext ? { securityContext: defaults.securityContext } : {}),
  };
}

/**
 * The Pod's metadata: podTemplate's labels and annotations under the operator's own (the app, the
 * template hash, which containers are sidecars), owned by the AppWithHelpers.
 */
function renderMetadata(owner: Owner, spec: AppSpec, hash: string): Obj {
  const labels = {
    ...(spec.podTemplate?.metadata?.labels ?? {}),
    [LABEL_MANAGED_BY]: MANAGER,
    [LABEL_APP]: owner.name,
  };
  const sidecarNames = (spec.sidecars ?? []).map((s) => s.name);
  const optionalNames = (spec.sidecars ?? []).filter((s) => s.optional).map((s) => s.name);
  const annotations = {
    ...(spec.podTemplate?.metadata?.annotations ?? {}),
    ...(sidecarNames.length ? { [ANNOTATION_SIDECARS]: sidecarNames.join(',') } : {}),
    ...(optionalNames.length ? { [ANNOTATION_OPTIONAL_SIDECARS]: optionalNames.join(',') } : {}),
  };
  return {
    namespace: owner.namespace,
    labels: { ...labels, [LABEL_TEMPLATE_HASH]: hash },
    ...(Object.keys(annotations).length ? { annotations } : {}),
    ownerReferences: [
      {
        apiVersion: API_VERSION,
        kind: KIND,
        name: owner.name,
        uid: owner.uid,
        controller: true,
        blockOwnerDeletion: true,
      },
    ],
  };
}

/**
 * podName is `<app>-<hash>-<slot>`: readable, and the same after an operator restart. While that
 * name is still held by a Pod on its way out, the replacement is `<app>-<hash>-<slot>-<n>`.
 */
export function podName(appName: string, hash: string, slot: number, attempt = 0): string {
  const suffix = `-${hash.slice(0, 5)}-${slot}${attempt ? `-${attempt}` : ''}`;
  return appName.slice(0, 253 - suffix.length) + suffix;
}

/** renderPod names the template for one slot (0..replicas-1). */
export function renderPod(template: V1Pod, appName: string, hash: string, slot: number, attempt = 0): V1Pod {
  const annotations = { ...(template.metadata?.annotations ?? {}), [ANNOTATION_SLOT]: String(slot) };
  return { ...template, metadata: { ...template.metadata, name: podName(appName, hash, slot, attempt), annotations } };
}

/**
 * withLogsOnError: a container that fails without writing its termination message gets the end of
 * its log as the message (the kubelet's FallbackToLogsOnError), so the status can say why it failed
 * (nginx's `[emerg] unknown directive` line, say) instead of only its exit code. A policy the user
 * set stays. The template hash covers the spec as written, so Pods already running keep theirs.
 */
function withLogsOnError<C extends { terminationMessagePolicy?: string }>(container: C): C {
  return { ...container, terminationMessagePolicy: container.terminationMessagePolicy ?? 'FallbackToLogsOnError' };
}

function renderStep(step: InitStep, options: RenderOptions): Obj {
  const { waitFor, timeoutSeconds: _t, retries, ...container } = step;
  const base: Obj = {
    ...withLogsOnError(container),
    // With a retry budget an attempt is a Pod: the failing step fails its Pod (container restart
    // rules, KEP-5307: beta and on in the pinned v1.36) instead of restarting in it, so the
    // operator counts attempts and keeps the last failing Pod. Without one the kubelet restarts it.
    ...(retries !== undefined ? { restartPolicy: 'Never' } : {}),
  };
  if (!waitFor) return base;
  return {
    ...base,
    image: step.image ?? options.helperImage,
    command: ['sh', '-c', options.waitScript ?? WAIT_SCRIPT],
    env: [...((container as { env?: unknown[] }).env ?? []), ...waitEnv(waitFor)],
  };
}

function renderSidecar(sidecar: Sidecar, mode: 'Native' | 'Classic'): Obj {
  const { startBeforeInitSteps: _s, waitUntilReady, optional: _o, ...rest } = sidecar;
  const container = withLogsOnError(rest);
  if (mode !== 'Native') return container;
  const gate =
    waitUntilReady && container.readinessProbe ? { startupProbe: startupProbeFrom(container.readinessProbe) } : {};
  return { ...container, ...gate, restartPolicy: 'Always' };
}

/**
 * A kubelet starts the next init container once a native sidecar has *started*; with a startupProbe
 * that is once the probe passes. For waitUntilReady the operator gives the sidecar a startupProbe
 * with its readinessProbe's check, so "started" means "ready". A startup probe that fails
 * failureThreshold times in a row kills the container, and a slow sidecar killed that way would
 * start over and might never get ready: so this one never gives up (failureThreshold at the
 * largest value a Pod takes, about 68 years at periodSeconds 1). A sidecar that never gets ready
 * is the operator's to report (its status entry, then Stalled after progressDeadlineSeconds), not
 * the kubelet's to kill. successThreshold must be 1 for a startup probe.
 */
export const STARTUP_NEVER_GIVES_UP = 2147483647;

export function startupProbeFrom(readiness: Record<string, unknown>): Obj {
  const { successThreshold: _s, failureThreshold: _f, ...check } = readiness;
  return { ...check, failureThreshold: STARTUP_NEVER_GIVES_UP };
}
