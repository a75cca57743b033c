/**
 * The API server's Pod validation rules that touch what the operator renders from its own fields
 * (names, images, volumes, mounts, ports, init containers, labels), checked locally so ten
 * thousand specs take seconds; test/integration/dry-run.test.ts asks the real server for a sample.
 * Rules for fields passed through untouched (a probe's timing, a PodSpec's dnsPolicy) are the
 * CRD's embedded core/v1 schema's and the API server's business, not listed here.
 */
import type { V1Pod } from '@kubernetes/client-node';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const PORT_NAME = /^(?=.*[a-z])(?!.*--)[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const NAME_PART = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

function isQualifiedName(key: string): boolean {
  const slash = key.lastIndexOf('/');
  const prefix = slash < 0 ? undefined : key.slice(0, slash);
  const name = key.slice(slash + 1);
  return (
    (prefix === undefined || (prefix.length <= 253 && DNS_SUBDOMAIN.test(prefix))) &&
    name.length <= 63 &&
    NAME_PART.test(name)
  );
}

type Container = {
  name?: unknown;
  image?: unknown;
  restartPolicy?: unknown;
  volumeMounts?: Array<{ name?: unknown; mountPath?: unknown }>;
  ports?: Array<{ containerPort?: unknown; name?: unknown }>;
  livenessProbe?: unknown;
  readinessProbe?: unknown;
  startupProbe?: unknown;
  lifecycle?: unknown;
};

/** podProblems lists what the API server would refuse in this Pod, as "field: problem". */
export function podProblems(pod: V1Pod): string[] {
  const problems: string[] = [];
  const say = (at: string, what: string) => problems.push(`${at}: ${what}`);
  const meta = pod.metadata ?? {};
  const name = meta.name ?? '';
  if (name.length > 253 || !DNS_SUBDOMAIN.test(name))
    say('metadata.name', `not a DNS subdomain: ${JSON.stringify(name)}`);
  for (const [k, v] of Object.entries(meta.labels ?? {})) {
    if (!isQualifiedName(k)) say('metadata.labels', `key ${JSON.stringify(k)} is not a qualified name`);
    if (typeof v !== 'string' || v.length > 63 || !LABEL_VALUE.test(v))
      say(`metadata.labels.${k}`, `not a label value: ${JSON.stringify(v)}`);
  }
  for (const k of Object.keys(meta.annotations ?? {}))
    if (!isQualifiedName(k)) say('metadata.annotations', `key ${JSON.stringify(k)} is not a qualified name`);

  const spec = (pod.spec ?? {}) as {
    initContainers?: Container[];
    containers?: Container[];
    volumes?: Array<{ name?: unknown }>;
  };
  const volumes = new Set<unknown>();
  (spec.volumes ?? []).forEach((v, i) => {
    if (typeof v.name !== 'string' || !DNS_LABEL.test(v.name) || v.name.length > 63)
      say(`spec.volumes[${i}].name`, `not a DNS label: ${JSON.stringify(v.name)}`);
    if (volumes.has(v.name)) say(`spec.volumes[${i}].name`, `duplicate ${JSON.stringify(v.name)}`);
    volumes.add(v.name);
  });
  if (!spec.containers?.length) say('spec.containers', 'required');
  if ((pod.spec as { ephemeralContainers?: unknown } | undefined)?.ephemeralContainers !== undefined)
    say('spec.ephemeralContainers', 'cannot be set on create');
  const names = new Set<unknown>();
  const all: Array<[string, Container, boolean]> = [
    ...(spec.initContainers ?? []).map(
      (c, i) => [`spec.initContainers[${i}]`, c, true] as [string, Container, boolean],
    ),
    ...(spec.containers ?? []).map((c, i) => [`spec.containers[${i}]`, c, false] as [string, Container, boolean]),
  ];
  for (const [at, c, init] of all) {
    if (typeof c.name !== 'string' || c.name.length > 63 || !DNS_LABEL.test(c.name))
      say(`${at}.name`, `not a DNS label: ${JSON.stringify(c.name)}`);
    if (names.has(c.name)) say(`${at}.name`, `duplicate ${JSON.stringify(c.name)}`);
    names.add(c.name);
    if (typeof c.image !== 'string' || c.image === '') say(`${at}.image`, 'required');
    else if (c.image !== c.image.trim()) say(`${at}.image`, 'must not have leading or trailing whitespace');
    const paths = new Set<unknown>();
    (c.volumeMounts ?? []).forEach((m, j) => {
      if (!volumes.has(m.name)) say(`${at}.volumeMounts[${j}].name`, `not found: ${JSON.stringify(m.name)}`);
      if (typeof m.mountPath !== 'string' || m.mountPath === '') say(`${at}.volumeMounts[${j}].mountPath`, 'required');
      if (paths.has(m.mountPath))
        say(`${at}.volumeMounts[${j}].mountPath`, `must be unique: ${JSON.stringify(m.mountPath)}`);
      paths.add(m.mountPath);
    });
    const portNames = new Set<unknown>();
    (c.ports ?? []).forEach((p, j) => {
      if (!Number.isInteger(p.containerPort) || (p.containerPort as number) < 1 || (p.containerPort as number) > 65535)
        say(`${at}.ports[${j}].containerPort`, `out of range: ${JSON.stringify(p.containerPort)}`);
      if (p.name === undefined) return;
      if (typeof p.name !== 'string' || p.name.length > 15 || !PORT_NAME.test(p.name))
        say(`${at}.ports[${j}].name`, `not a port name: ${JSON.stringify(p.name)}`);
      if (portNames.has(p.name)) say(`${at}.ports[${j}].name`, `duplicate ${JSON.stringify(p.name)}`);
      portNames.add(p.name);
    });
    // Container restart rules (KEP-5307, beta and on in v1.36): an init container may also say Never or OnFailure.
    if (init && c.restartPolicy !== undefined && !['Always', 'Never', 'OnFailure'].includes(c.restartPolicy as string))
      say(`${at}.restartPolicy`, `only Always, Never or OnFailure: ${JSON.stringify(c.restartPolicy)}`);
    if (init && c.restartPolicy !== 'Always') {
      for (const field of ['livenessProbe', 'readinessProbe', 'startupProbe', 'lifecycle'] as const) {
        if (c[field] !== undefined)
          say(`${at}.${field}`, 'may not be set for init containers without restartPolicy=Always');
      }
    }
  }
  return problems;
}
