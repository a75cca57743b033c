import type { PodContainer } from './containers';
import { repeats } from './repeats';

/** The port names of the container at path `at`: each names one port. */
export function portNameErrors(at: string, c: PodContainer): string[] {
  const ports = c.ports ?? [];
  const named = ports.filter((p) => p.name !== undefined);
  return repeats(
    named,
    (p) => p.name,
    (j, first) =>
      `${at}.ports[${ports.indexOf(named[j])}].name: "${named[j].name}" is also the name of ${at}.ports[${ports.indexOf(named[first])}]; port names must be unique in a container`,
  );
}

/**
 * The guide's "network connectivity issues": the app and its sidecars share one network
 * namespace, so no two declare one port and protocol. Init steps have finished before the app
 * starts: their ports clash with nothing.
 */
export function sharedPortErrors(containers: Array<[string, PodContainer]>): string[] {
  const errors: string[] = [];
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
