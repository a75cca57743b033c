/**
 * Takes the core/v1 Container, Volume and PodSpec schemas from the pinned API server's own
 * OpenAPI and turns them into structural schemas a CRD can embed, so anything valid in a Pod is
 * valid in an AppWithHelpers. Writes src/api/core-v1-schemas.json (checked in); run it when the
 * pinned Kubernetes version changes:  npx tsx scripts/snapshot-core-schemas.ts
 */
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { ControlPlane } from '../hack/cluster/control-plane';

type Schema = Record<string, unknown>;
const refPrefix = '#/components/schemas/';
// Fields a CRD's JSONSchemaProps does not know, or that only mean something to strategic merge.
const dropped = new Set([
  'x-kubernetes-patch-strategy',
  'x-kubernetes-patch-merge-key',
  'x-kubernetes-unions',
  'format',
]);

export function toStructural(schema: Schema, all: Record<string, Schema>): Schema {
  if (typeof schema.$ref === 'string') return toStructural(all[schema.$ref.slice(refPrefix.length)], all);
  const allOf = schema.allOf as Schema[] | undefined;
  if (allOf?.length === 1) {
    const { allOf: _, default: __, ...outer } = schema;
    const inner = toStructural(allOf[0], all);
    return { ...inner, ...(outer.description ? { description: outer.description } : {}) };
  }
  if (schema.format === 'int-or-string' || (Array.isArray(schema.oneOf) && schema.oneOf.length === 2)) {
    // IntOrString and Quantity: CRDs spell "a number or a string" this way.
    return { ...(schema.description ? { description: schema.description } : {}), 'x-kubernetes-int-or-string': true };
  }
  const out: Schema = {};
  for (const [key, value] of Object.entries(schema)) {
    if (dropped.has(key) && !(key === 'format' && value === 'date-time')) continue;
    // Go zero values ({}, "", 0) mark required fields, not defaults; in a CRD they would fill
    // stored objects with empties or fail the field's own enum. Real defaults ("TCP") stay.
    if (key === 'default' && (typeof value === 'object' || value === '' || value === 0 || value === false)) continue;
    if (key === 'properties') {
      out.properties = Object.fromEntries(
        Object.entries(value as Record<string, Schema>).map(([k, v]) => [k, toStructural(v, all)]),
      );
    } else if (key === 'items' || key === 'additionalProperties') {
      out[key] = typeof value === 'object' ? toStructural(value as Schema, all) : value;
    } else {
      out[key] = value;
    }
  }
  // A CRD list-map needs each key required or defaulted; where the core schema has neither
  // (only Go defaulting fills it), fall back to an atomic list.
  if (out['x-kubernetes-list-type'] === 'map') {
    const item = out.items as Schema;
    const required = new Set((item.required as string[]) ?? []);
    const props = (item.properties ?? {}) as Record<string, Schema>;
    const keys = out['x-kubernetes-list-map-keys'] as string[];
    if (!keys.every((k) => required.has(k) || props[k]?.default !== undefined)) {
      out['x-kubernetes-list-type'] = 'atomic';
      delete out['x-kubernetes-list-map-keys'];
    }
  }
  return out;
}

async function main(): Promise<void> {
  const cluster = await ControlPlane.start({ stages: 'fast', nodes: 1, log: console.log });
  try {
    const doc = JSON.parse(await cluster.kubectl(['get', '--raw', '/openapi/v3/api/v1']));
    const all = doc.components.schemas as Record<string, Schema>;
    const version = JSON.parse(await cluster.kubectl(['version', '-o', 'json'])).serverVersion.gitVersion;
    const pick = (name: string) => toStructural({ $ref: refPrefix + `io.k8s.api.core.v1.${name}` }, all);
    const out = {
      kubernetesVersion: version,
      Container: pick('Container'),
      Volume: pick('Volume'),
      PodSpec: pick('PodSpec'),
    };
    const file = path.join(__dirname, '../src/api/core-v1-schemas.json');
    writeFileSync(file, JSON.stringify(out, null, 1) + '\n');
    console.log(`wrote ${file} from Kubernetes ${version}`);
  } finally {
    await cluster.stop();
  }
}

if (require.main === module) {
  main().catch((err) => {
    console.error(`snapshot-core-schemas: ${(err as Error).message}`);
    process.exit(1);
  });
}
