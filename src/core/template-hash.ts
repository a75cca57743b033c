import { createHash } from 'node:crypto';

/**
 * The spec fields that shape a Pod. The template hash covers these, as the user wrote them, and
 * nothing the operator adds (the waitFor script, the helper image, the Auto→Native choice made
 * from the server's version): upgrading the operator, changing one of its flags or upgrading the
 * control plane must not roll every app at once. What the operator renders differently reaches
 * a Pod when it is replaced for another reason, or when a person asks by changing the pod
 * template (the `helpers.dev/restartedAt` annotation, as `kubectl rollout restart` does).
 * Not here on purpose: replicas and updateStrategy (how many and how, not what), and every
 * policy field that only tells the operator when to act.
 */
export const POD_SHAPING_FIELDS = [
  'app',
  'initSteps',
  'sidecars',
  'sidecarMode',
  'volumes',
  'sharedVolumes',
  'helperDefaults',
  'podTemplate',
] as const;

/** specTemplateHash is the template hash of a spec as stored: its Pod-shaping fields, in any key order. */
export function specTemplateHash(written: unknown): string {
  const spec = (written && typeof written === 'object' ? written : {}) as Record<string, unknown>;
  return templateHash(Object.fromEntries(POD_SHAPING_FIELDS.map((f) => [f, spec[f]])));
}

/** templateHash is stable under key order: the same value written differently hashes the same. */
export function templateHash(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex').slice(0, 10);
}

export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
