/**
 * The operator's own check of a stored spec: zod's shape (src/api/spec.ts), then the checks across
 * fields, one file per topic. The CRD already refuses most bad input; this catches what was stored
 * before a rule existed, and what no CEL rule can afford to check.
 */
import type { z } from 'zod';
import { specSchema, type AppSpec } from '../spec';
import { podContainers } from './containers';
import { initStepErrors } from './init-steps';
import { nameErrors } from './names';
import { portNameErrors, sharedPortErrors } from './ports';
import { sidecarErrors } from './sidecars';
import { mountErrors, volumeErrors } from './volumes';

export type ParsedSpec = { ok: true; spec: AppSpec } | { ok: false; errors: string[] };

/** parseSpec validates a stored spec and gives each problem as "field.path: what is wrong". */
export function parseSpec(raw: unknown): ParsedSpec {
  const result = specSchema.safeParse(raw ?? {});
  const errors = result.success ? crossFieldErrors(result.data) : result.error.issues.map(describeIssue);
  return errors.length === 0 && result.success ? { ok: true, spec: result.data } : { ok: false, errors };
}

function describeIssue(issue: z.core.$ZodIssue): string {
  // A bad map key is named the way the API server names one: the map's path, then the key.
  const key = issue.code === 'invalid_key' ? issue.path[issue.path.length - 1] : undefined;
  const path = key === undefined ? issue.path : issue.path.slice(0, -1);
  const where = ['spec', ...path.map((p) => (typeof p === 'number' ? `[${p}]` : String(p)))]
    .join('.')
    .replace(/\.\[/g, '[');
  if (issue.code === 'invalid_key')
    return `${where}: key "${String(key)}" ${issue.issues[0]?.message ?? issue.message}`;
  return `${where}: ${issue.message}`;
}

/** The CEL rules (src/api/cel-rules.ts) and the checks no CEL rule makes, in the order they are reported. */
function crossFieldErrors(spec: AppSpec): string[] {
  const containers = podContainers(spec);
  return [
    ...nameErrors(spec),
    ...(spec.initSteps ?? []).flatMap((s, i) => initStepErrors(s, `spec.initSteps[${i}]`)),
    ...(spec.sidecars ?? []).flatMap((s, i) => sidecarErrors(s, `spec.sidecars[${i}]`, spec.sidecarMode)),
    ...volumeErrors(spec),
    ...containers.flatMap(([at, c]) => [...mountErrors(at, c, spec), ...portNameErrors(at, c)]),
    ...sharedPortErrors(containers),
  ];
}
