import type { AppSpec } from '../spec';

/** What the mount and port checks read of a container. */
export interface PodContainer {
  name: string;
  volumeMounts?: Array<{ name: string; mountPath: string }>;
  ports?: Array<{ containerPort: number; protocol?: unknown; name?: string }>;
}

/** Every container of the Pod with the path it is named by: the app, then the init steps, then the sidecars. */
export function podContainers(spec: AppSpec): Array<[string, PodContainer]> {
  return [
    ['spec.app', spec.app],
    ...(spec.initSteps ?? []).map((s, i): [string, PodContainer] => [`spec.initSteps[${i}]`, s]),
    ...(spec.sidecars ?? []).map((s, i): [string, PodContainer] => [`spec.sidecars[${i}]`, s]),
  ];
}
