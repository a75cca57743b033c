import type { V1ContainerStateTerminated, V1ContainerStatus, V1Pod, V1PodCondition } from '@kubernetes/client-node';
import { ANNOTATION_SLOT, LABEL_TEMPLATE_HASH } from '../api/constants';

/** Small, pure readers of a Pod, shared by planning and status. */

/**
 * Reasons Kubernetes writes on a Pod that the operator reads (it never writes them itself): a
 * container waiting for its turn, the kubelet's reason for a non-zero exit, a Pod held back by a
 * scheduling gate.
 */
export const KubeletReason = {
  PodInitializing: 'PodInitializing',
  Error: 'Error',
  SchedulingGated: 'SchedulingGated',
} as const;

export const isTerminating = (p: V1Pod): boolean => !!p.metadata?.deletionTimestamp;
export const isFinished = (p: V1Pod): boolean => p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed';
export const templateHashOf = (p: V1Pod): string | undefined => p.metadata?.labels?.[LABEL_TEMPLATE_HASH];
export const isPodReady = (p: V1Pod): boolean =>
  !!p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
export const isInitialized = (p: V1Pod): boolean =>
  !!p.status?.conditions?.some((c) => c.type === 'Initialized' && c.status === 'True');

export function isControlledBy(p: V1Pod, uid: string): boolean {
  return !!p.metadata?.ownerReferences?.some((r) => r.controller && r.uid === uid);
}

/** slotOf reads the replica slot a Pod fills, from its annotation or else its name's last part. */
export function slotOf(p: V1Pod): number {
  const raw = p.metadata?.annotations?.[ANNOTATION_SLOT] ?? p.metadata?.name?.split('-').pop();
  const slot = Number(raw);
  return Number.isInteger(slot) && slot >= 0 ? slot : -1;
}

export function containerStatus(p: V1Pod, name: string, init: boolean): V1ContainerStatus | undefined {
  const list = init ? p.status?.initContainerStatuses : p.status?.containerStatuses;
  return list?.find((s) => s.name === name);
}

export function restartsOf(p: V1Pod): number {
  const all = [...(p.status?.initContainerStatuses ?? []), ...(p.status?.containerStatuses ?? [])];
  return all.reduce((sum, s) => sum + (s.restartCount ?? 0), 0);
}

export function toIso(t: Date | string | undefined): string | undefined {
  if (!t) return undefined;
  return t instanceof Date ? t.toISOString().replace(/\.\d{3}Z$/, 'Z') : t;
}

/** The Pod conditions anything reads: Ready, Initialized, and a scheduling gate (printed as its STATUS). */
const read = (c: V1PodCondition): boolean =>
  c.type === 'Ready' || c.type === 'Initialized' || c.reason === KubeletReason.SchedulingGated;

/** A container's end without its containerID, unique to each and read by nothing. */
const slimTerminated = (t: V1ContainerStateTerminated): V1ContainerStateTerminated => ({
  exitCode: t.exitCode,
  ...(t.signal !== undefined ? { signal: t.signal } : {}),
  ...(t.reason !== undefined ? { reason: t.reason } : {}),
  ...(t.message !== undefined ? { message: t.message } : {}),
  ...(t.startedAt !== undefined ? { startedAt: t.startedAt } : {}),
  ...(t.finishedAt !== undefined ? { finishedAt: t.finishedAt } : {}),
});

/**
 * slimPod keeps only what planning, status and printing read. The operator caches every Pod it
 * manages; a whole Pod (managed fields, full container specs) costs several times as much memory.
 */
export function slimPod(p: V1Pod): V1Pod {
  const m = p.metadata ?? {};
  const s = p.status;
  const container = (c: { name: string; restartPolicy?: string }) =>
    c.restartPolicy ? { name: c.name, restartPolicy: c.restartPolicy } : { name: c.name };
  const slimStatus = (c: V1ContainerStatus) =>
    ({
      name: c.name,
      ready: c.ready,
      restartCount: c.restartCount,
      started: c.started,
      state: c.state?.terminated ? { terminated: slimTerminated(c.state.terminated) } : c.state,
      ...(c.lastState?.terminated ? { lastState: { terminated: slimTerminated(c.lastState.terminated) } } : {}),
    }) as V1ContainerStatus;
  return {
    metadata: {
      name: m.name,
      namespace: m.namespace,
      uid: m.uid,
      resourceVersion: m.resourceVersion,
      labels: m.labels,
      annotations: m.annotations,
      ownerReferences: m.ownerReferences,
      ...(m.deletionTimestamp ? { deletionTimestamp: m.deletionTimestamp } : {}),
    },
    spec: {
      nodeName: p.spec?.nodeName,
      ...(p.spec?.initContainers
        ? { initContainers: p.spec.initContainers.map((c) => container(c as { name: string; restartPolicy?: string })) }
        : {}),
      containers: (p.spec?.containers ?? []).map((c) => container(c)),
    } as V1Pod['spec'],
    ...(s
      ? {
          status: {
            phase: s.phase,
            reason: s.reason,
            conditions: s.conditions?.filter(read).map((c) => ({
              type: c.type,
              status: c.status,
              ...(c.reason ? { reason: c.reason } : {}),
            })),
            ...(s.initContainerStatuses ? { initContainerStatuses: s.initContainerStatuses.map(slimStatus) } : {}),
            ...(s.containerStatuses ? { containerStatuses: s.containerStatuses.map(slimStatus) } : {}),
          },
        }
      : {}),
  };
}
