import { NAMES_UNIQUE } from '../cel-rules';
import type { AppSpec } from '../spec';

/**
 * The app, the init steps and the sidecars are containers of one Pod, so their names must differ.
 * The CRD's rules (CEL.spec.*NamedLike*) say which kinds clash; this says which name, and where.
 */
export function nameErrors(spec: AppSpec): string[] {
  const errors: string[] = [];
  const seen = new Map<string, string>([[spec.app.name, 'spec.app']]);
  const claim = (name: string, where: string) => {
    const first = seen.get(name);
    if (first) errors.push(`${where}.name: ${NAMES_UNIQUE}: "${name}" is also ${first}`);
    else seen.set(name, where);
  };
  (spec.initSteps ?? []).forEach((s, i) => claim(s.name, `spec.initSteps[${i}]`));
  (spec.sidecars ?? []).forEach((s, i) => claim(s.name, `spec.sidecars[${i}]`));
  return errors;
}
