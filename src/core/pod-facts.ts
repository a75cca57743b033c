import type { V1ContainerStatus, V1Pod } from '@kubernetes/client-node';
import { ANNOTATION_SLOT, LABEL_TEMPLATE_HASH } from '../api/constants';

/** Small, pure readers of a Pod, shared by planning and status. */

export const isTerminating = (p: V1Pod): boolean => !!p.metadata?.deletionTimestamp;
export const isFinished = (p: V1Pod): boolean => p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed';
export const templateHashOf = (p: V1Pod): string | undefined => p.metadata?.labels?.[LABEL_TEMPLATE_HASH];
export const isPodReady = (p: V1Pod): boolean => !!p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
export const isInitialized = (p: V1Pod): boolean => !!p.status?.conditions?.some((c) => c.type === 'Initialized' && c.status === 'True');

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
