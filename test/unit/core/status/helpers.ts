/** What the status tests share: the status of an app and its Pods, and short readers of its conditions. */
import type { V1Pod } from '@kubernetes/client-node';
import { parseSpec } from '../../../../src/api/validation/parse-spec';
import type { AppStatus } from '../../../../src/api/status';
import { deriveStatus, type StatusInput } from '../../../../src/core/status';
import { aPod, NOW, type AppBuilder } from '../../../fixtures';

/** The status of `app` with these Pods, at generation 2, Native sidecars, at NOW unless `extra` says otherwise. */
export function status(app: AppBuilder, pods: V1Pod[], extra: Partial<StatusInput> = {}): AppStatus {
  return deriveStatus({
    generation: 2,
    parsed: parseSpec(app.spec),
    pods,
    hash: app.template().hash,
    sidecarMode: 'Native',
    now: NOW,
    ...extra,
  });
}

export const cond = (s: AppStatus, type: string) => s.conditions!.find((c) => c.type === type)!;

/** The printer columns: phase, podStatus, ready, initProgress, sidecarsReady. */
export const summary = (s: AppStatus) => [s.phase, s.podStatus, s.ready, s.initProgress, s.sidecarsReady].join(' ');

/** "Type=Status/Reason: message" for each condition type asked. */
export const line = (s: AppStatus, ...types: string[]) =>
  types.map((t) => `${t}=${cond(s, t).status}/${cond(s, t).reason}: ${cond(s, t).message}`);

export const minutes = (m: number) => new Date(NOW.getTime() + m * 60_000);

/** A sidecar that holds back what comes after it until it is ready. */
export const gate = { waitUntilReady: true, readinessProbe: { httpGet: { path: '/ready', port: 9901 } } };

/** The Pod of `app` with every container ready except `sidecar`, crash-looping (exit 137) or running not ready. */
export const podWith = (
  app: AppBuilder,
  sidecar: string,
  how: 'crashing' | 'unready',
  mode: 'Native' | 'Classic' = 'Native',
) => {
  const pod = aPod(app).ready().build();
  pod.status!.conditions = pod.status!.conditions!.map((c) =>
    c.type === 'Initialized' ? c : { ...c, status: 'False' },
  );
  const list = mode === 'Native' ? pod.status!.initContainerStatuses! : pod.status!.containerStatuses!;
  const i = list.findIndex((c) => c.name === sidecar);
  list[i] =
    how === 'crashing'
      ? {
          ...list[i],
          ready: false,
          restartCount: 2,
          lastState: { terminated: { exitCode: 137, reason: 'OOMKilled' } },
          state: { waiting: { reason: 'CrashLoopBackOff' } },
        }
      : { ...list[i], ready: false };
  return pod;
};
