import { CEL } from '../cel-rules';
import type { InitStep } from '../spec';

/** The Container fields a Pod refuses on an init container that runs to completion. */
const NOT_FOR_STEPS = ['livenessProbe', 'readinessProbe', 'startupProbe', 'lifecycle'] as const;

/** The rules of CEL.initStep and CEL.waitFor, for the init step at path `at`. */
export function initStepErrors(s: InitStep, at: string): string[] {
  const errors: string[] = [];
  if (s.waitFor && (s.command || s.args)) errors.push(`${at}: ${CEL.initStep.waitForRunsNoCommand.message}`);
  if (!s.waitFor && !s.image) errors.push(`${at}: ${CEL.initStep.needsImage.message}`);
  if (s.restartPolicy) errors.push(`${at}: ${CEL.initStep.noRestartPolicy.message}`);
  for (const field of NOT_FOR_STEPS)
    if ((s as Record<string, unknown>)[field] !== undefined)
      errors.push(`${at}.${field}: ${CEL.initStep.noProbesOrLifecycle.message}`);
  if (s.optional) errors.push(`${at}.optional: ${CEL.initStep.notOptional.message}`);
  if (s.waitFor && !!s.waitFor.tcp === !!s.waitFor.http) errors.push(`${at}.waitFor: ${CEL.waitFor.oneTarget.message}`);
  return errors;
}
