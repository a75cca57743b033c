import type { V1Pod } from '@kubernetes/client-node';
import { parseSpec, type ParsedSpec } from '../api/validation/parse-spec';
import type { AppWithHelpers } from '../api/status';
import { renderPodTemplate, resolveSidecarMode, type RenderOptions } from '../core/render';

/** What reconcile reads of a spec: parsed and checked, the sidecar mode, the Pod template and its hash. */
export interface RenderedSpec {
  parsed: ParsedSpec;
  mode?: 'Native' | 'Classic';
  template?: { pod: V1Pod; hash: string };
}

/** renderSpec parses an app's spec and renders its Pod template; with a memo, once per generation. */
export function renderSpec(app: AppWithHelpers, render: RenderOptions, memo?: SpecMemo): RenderedSpec {
  return memo ? memo.get(app, render) : renderAnew(app, render);
}

function renderAnew(app: AppWithHelpers, render: RenderOptions): RenderedSpec {
  const parsed = parseSpec(app.spec);
  if (!parsed.ok) return { parsed };
  const owner = { name: app.metadata.name, namespace: app.metadata.namespace, uid: app.metadata.uid };
  return {
    parsed,
    mode: resolveSidecarMode(parsed.spec, render),
    template: renderPodTemplate(owner, parsed.spec, render, app.spec),
  };
}

/**
 * SpecMemo keeps the rendered specs of the apps reconciled lately, by uid and generation (the API
 * server gives a spec change a new generation; the render options are the process's own). During
 * a burst each app is reconciled several times within seconds (its create, its Pods' events, its
 * held status): parsing with zod, rendering and hashing the template anew each time was a tenth
 * of the operator's CPU. It holds the last `max` apps, so its memory does not grow with their number.
 * What it returns is shared: core/ never mutates its inputs.
 */
export class SpecMemo {
  private readonly recent = new Map<string, RenderedSpec>();

  constructor(private readonly max = 512) {}

  get(app: AppWithHelpers, render: RenderOptions): RenderedSpec {
    const { uid, generation } = app.metadata;
    if (!uid || generation === undefined) return renderAnew(app, render);
    const key = `${uid}/${generation}`;
    const kept = this.recent.get(key);
    if (kept) {
      this.recent.delete(key); // most recently used goes last
      this.recent.set(key, kept);
      return kept;
    }
    const fresh = renderAnew(app, render);
    this.recent.set(key, fresh);
    if (this.recent.size > this.max) this.recent.delete(this.recent.keys().next().value!);
    return fresh;
  }

  get size(): number {
    return this.recent.size;
  }
}
