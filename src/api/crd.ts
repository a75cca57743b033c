/**
 * buildCrd turns the zod schema into the AppWithHelpers CRD. Where the zod schema marks a core/v1
 * type, the pinned API server's own schema (src/api/core-v1-schemas.json) goes in its place, so
 * anything valid in a Pod is valid here; our own fields, defaults and CEL rules are laid over it.
 */
import { z } from 'zod';
import { CEL, celValidations } from './cel-rules';
import coreV1 from './core-v1-schemas.json';
import { CRD_NAME, GROUP, KIND, PLURAL, SHORT_NAME, SINGULAR, VERSION } from './constants';
import { specSchema } from './spec';
import { statusSchema } from './status';

type Schema = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Core schemas keep descriptions this deep (the type's own fields); deeper ones would push the
 * CRD past the 256 KiB that client-side `kubectl apply` can store in its annotation. */
const CORE_DESCRIPTION_DEPTH = 1;

function coreSchema(name: string): Schema {
  const c = coreV1 as unknown as Record<string, Schema>;
  switch (name) {
    case 'Container':
      return structuredClone(c.Container);
    case 'Volume':
      return structuredClone(c.Volume);
    case 'ResourceRequirements':
      return structuredClone(c.Container.properties.resources);
    case 'SecurityContext':
      return structuredClone(c.Container.properties.securityContext);
    case 'PodSpec': {
      const spec = structuredClone(c.PodSpec);
      for (const owned of ['containers', 'initContainers', 'ephemeralContainers', 'volumes'])
        delete spec.properties[owned];
      delete spec.required;
      return spec;
    }
    default:
      throw new Error(`no core/v1 schema for ${name}`);
  }
}

function trimDescriptions(schema: Schema, depth: number): Schema {
  const out: Schema = {};
  for (const [k, v] of Object.entries(schema)) {
    if (k === 'description' && depth > CORE_DESCRIPTION_DEPTH) continue;
    if (k === 'properties')
      out.properties = Object.fromEntries(
        Object.entries(v as Schema).map(([p, s]) => [p, trimDescriptions(s, depth + 1)]),
      );
    else if (k === 'items' || k === 'additionalProperties')
      out[k] = typeof v === 'object' ? trimDescriptions(v, depth) : v;
    else out[k] = v;
  }
  return out;
}

/** Lays the zod-made schema (our fields and rules) over the core/v1 one it stands for. */
function overlayCore(ours: Schema): Schema {
  const name = ours.coreV1 as string;
  const base = trimDescriptions(coreSchema(name), 0);
  const props = base.properties ?? {};
  for (const [key, value] of Object.entries((ours.properties ?? {}) as Schema)) {
    if (!props[key])
      props[key] = value; // our own field (waitFor, startBeforeInitSteps)
    else if (key === 'name')
      props.name = { ...props.name, maxLength: 63, ...(value.default ? { default: value.default } : {}) };
  }
  if (props.ports?.items?.properties?.containerPort)
    Object.assign(props.ports.items.properties.containerPort, { minimum: 1, maximum: 65535 });
  if (props.ports?.items?.properties?.hostPort)
    Object.assign(props.ports.items.properties.hostPort, { minimum: 1, maximum: 65535 });
  if (Object.keys(props).length) base.properties = props;
  const required = (ours.required as string[] | undefined)?.filter((r) => !(r === 'name' && props.name?.default));
  if (required?.length) base.required = required;
  else delete base.required;
  if (ours.description) base.description = ours.description;
  if (ours['x-kubernetes-validations']) base['x-kubernetes-validations'] = ours['x-kubernetes-validations'];
  return base;
}

/** Makes JSON Schema from zod into a CRD structural schema. */
function toStructural(schema: Schema): Schema {
  if (schema.coreV1) return overlayCore({ ...schema, properties: schema.properties && mapProps(schema.properties) });
  const out: Schema = {};
  for (const [k, v] of Object.entries(schema)) {
    if (k === '$schema' || k === 'propertyNames') continue;
    if (k === 'additionalProperties' && (v === false || (typeof v === 'object' && Object.keys(v).length === 0)))
      continue;
    if ((k === 'maximum' && v === Number.MAX_SAFE_INTEGER) || (k === 'minimum' && v === Number.MIN_SAFE_INTEGER))
      continue;
    if (k === 'properties') out.properties = mapProps(v);
    else if (k === 'items' || k === 'additionalProperties') out[k] = toStructural(v);
    else out[k] = v;
  }
  return out;
}

function mapProps(props: Schema): Schema {
  return Object.fromEntries(Object.entries(props).map(([k, v]) => [k, toStructural(v as Schema)]));
}

const column = (name: string, jsonPath: string, description: string, type = 'string', priority?: number) => ({
  name,
  type,
  jsonPath,
  description,
  ...(priority ? { priority } : {}),
});

/** What `kubectl get appwithhelpers` prints: the first six always, Phase with -o wide. */
const printerColumns = () => [
  column('Status', '.status.podStatus', 'What `kubectl get pod` prints as STATUS for the least advanced Pod'),
  column('Ready', '.status.ready', 'Ready Pods / wanted Pods'),
  column('Init', '.status.initProgress', 'Init steps finished / init steps'),
  column('Sidecars', '.status.sidecarsReady', 'Ready sidecars / sidecars'),
  column('Restarts', '.status.restarts', 'Container restarts', 'integer'),
  column('Age', '.metadata.creationTimestamp', 'Time since creation', 'date'),
  column('Phase', '.status.phase', 'Pending, Initializing, Running, Degraded or Failed', 'string', 1),
];

export function buildCrd(): Schema {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: CRD_NAME, labels: { 'app.kubernetes.io/name': 'appwithhelpers-operator' } },
    spec: {
      group: GROUP,
      scope: 'Namespaced',
      names: {
        kind: KIND,
        listKind: `${KIND}List`,
        plural: PLURAL,
        singular: SINGULAR,
        shortNames: [SHORT_NAME],
        categories: ['all'],
      },
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: printerColumns(),
          schema: { openAPIV3Schema: openApiSchema() },
        },
      ],
    },
  };
}

/** The AppWithHelpers object's schema: spec and status made from the zod schemas, under the object's CEL rules. */
function openApiSchema(): Schema {
  const spec = toStructural(z.toJSONSchema(specSchema, { io: 'input', unrepresentable: 'any' }) as Schema);
  const status = toStructural(z.toJSONSchema(statusSchema, { io: 'output', unrepresentable: 'any' }) as Schema);
  delete status.required;
  return {
    description:
      "AppWithHelpers runs an app with ordered init steps and sidecars, and reports every helper's phase in its status.",
    type: 'object',
    required: ['spec'],
    ...celValidations(CEL.object),
    properties: {
      apiVersion: {
        type: 'string',
        description: 'APIVersion defines the versioned schema of this representation of an object.',
      },
      kind: {
        type: 'string',
        description: 'Kind is a string value representing the REST resource this object represents.',
      },
      metadata: { type: 'object' },
      spec,
      status: {
        ...status,
        // Read before the operator's first pass, an object without status is Current to kstatus
        // (Helm 4 --wait, Flux), which would end their wait at once. Served with observedGeneration
        // 0 instead, it is InProgress ("generation 1, observed 0") until the operator writes.
        default: { observedGeneration: 0 },
        description:
          "What the operator observed: every init step's and sidecar's phase, conditions and display strings.",
      },
    },
  };
}
