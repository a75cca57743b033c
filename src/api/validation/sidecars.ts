import { CEL } from '../cel-rules';
import type { AppSpec, Sidecar } from '../spec';

/** The rules of CEL.sidecar, and those of CEL.spec about sidecarMode, for the sidecar at path `at`. */
export function sidecarErrors(s: Sidecar, at: string, sidecarMode: AppSpec['sidecarMode']): string[] {
  const errors: string[] = [];
  if (!s.image) errors.push(`${at}: ${CEL.sidecar.needsImage.message}`);
  if (s.restartPolicy) errors.push(`${at}: ${CEL.sidecar.noRestartPolicy.message}`);
  if (s.startBeforeInitSteps && sidecarMode === 'Classic')
    errors.push(`${at}.startBeforeInitSteps: ${CEL.spec.startBeforeInitStepsNeedsNative.message}`);
  if (s.waitUntilReady) {
    if (!s.readinessProbe)
      errors.push(`${at}.waitUntilReady: ${CEL.sidecar.waitUntilReadyNeedsReadinessProbe.message}`);
    if (s.startupProbe) errors.push(`${at}.waitUntilReady: ${CEL.sidecar.waitUntilReadyWithoutStartupProbe.message}`);
    if (s.optional) errors.push(`${at}.optional: ${CEL.sidecar.optionalWithoutWaitUntilReady.message}`);
    if (sidecarMode === 'Classic') errors.push(`${at}.waitUntilReady: ${CEL.spec.waitUntilReadyNeedsNative.message}`);
  }
  return errors;
}
