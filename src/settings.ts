import { hostname } from 'node:os';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { DEFAULT_HELPER_IMAGE } from './api/constants';

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

export const settingsSchema = z.object({
  namespaces: z
    .string()
    .default('')
    .transform((s) =>
      s
        .split(',')
        .map((n) => n.trim())
        .filter(Boolean),
    )
    .describe('Namespaces to watch, comma-separated; empty watches all'),
  helperImage: z.string().min(1).default(DEFAULT_HELPER_IMAGE).describe('Image for waitFor steps that name none'),
  concurrency: int(1, 64).default(4).describe('AppWithHelpers reconciled at once'),
  qps: z.coerce.number().positive().max(10000).default(20).describe('Client-side API rate limit (requests per second)'),
  burst: int(1, 100000).default(30).describe('Client-side API burst'),
  logLevel: z.enum(['error', 'warn', 'info', 'debug']).default('info').describe('Log level'),
  probePort: int(0, 65535).default(8080).describe('Port of /metrics, /healthz and /readyz; 0 turns them off'),
  leaderElect: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true')
    .describe('Hold a Lease so only one replica reconciles'),
  leaseNamespace: z.string().min(1).default('default').describe("Namespace of the leader Lease (the operator's own)"),
  leaseName: z.string().min(1).default('appwithhelpers-operator').describe('Name of the leader Lease'),
  identity: z.string().min(1).default(`${hostname()}-${process.pid}`).describe("This replica's name in the Lease"),
});

export type Settings = z.output<typeof settingsSchema>;

/** Each setting's flag and environment variable; a flag wins over the environment. */
const sources: Record<keyof Settings, [flag: string, env: string]> = {
  namespaces: ['--namespaces', 'WATCH_NAMESPACES'],
  helperImage: ['--helper-image', 'HELPER_IMAGE'],
  concurrency: ['--concurrency', 'CONCURRENCY'],
  qps: ['--qps', 'KUBE_API_QPS'],
  burst: ['--burst', 'KUBE_API_BURST'],
  logLevel: ['--log-level', 'LOG_LEVEL'],
  probePort: ['--probe-port', 'PROBE_PORT'],
  leaderElect: ['--leader-elect', 'LEADER_ELECT'],
  leaseNamespace: ['--lease-namespace', 'POD_NAMESPACE'],
  leaseName: ['--lease-name', 'LEASE_NAME'],
  identity: ['--identity', 'POD_NAME'],
};

const BOOLEAN_FLAGS = new Set(['leaderElect']);

/** parseSettings reads flags (--name=value or --name value) and the environment; throws one clear line. */
export function parseSettings(argv: string[], env: NodeJS.ProcessEnv): Settings {
  const keyOf = new Map(Object.entries(sources).map(([key, [flag]]) => [flag.slice(2), key as keyof Settings]));
  // As Go's flag package: a bare boolean flag is true, and never takes the next argument; the
  // chart passes --leader-elect=true. parseArgs has no such type, so a bare one is spelled out.
  const args = argv.map((a) =>
    a.startsWith('--') && BOOLEAN_FLAGS.has(keyOf.get(a.slice(2)) ?? '') ? `${a}=true` : a,
  );
  let values: Record<string, string | undefined>;
  try {
    ({ values } = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: Object.fromEntries([...keyOf.keys()].map((name) => [name, { type: 'string' as const }])),
    }) as { values: Record<string, string | undefined> });
  } catch (err) {
    throw new Error(explainArgsError(err as Error & { code?: string }, [...keyOf.keys()]), { cause: err });
  }
  const raw: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(values)) raw[keyOf.get(name)!] = value;
  for (const [key, [, name]] of Object.entries(sources))
    if (raw[key] === undefined && env[name] !== undefined) raw[key] = env[name];
  const result = settingsSchema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0];
    const key = issue.path[0] as keyof Settings;
    const [flag, name] = sources[key];
    throw new Error(`invalid setting ${flag} (${name}=${JSON.stringify(raw[key])}): ${issue.message}`);
  }
  return result.data;
}

/** explainArgsError turns parseArgs' errors into one line naming the flag and what to do. */
function explainArgsError(err: Error & { code?: string }, known: string[]): string {
  const flag = /'([^' ]+)/.exec(err.message)?.[1] ?? '';
  if (err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION')
    return `unknown flag ${flag}; known flags: ${known.map((k) => `--${k}`).join(', ')}`;
  if (err.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') return `flag ${flag} needs a value`;
  if (err.code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL')
    return `unexpected argument ${flag}: every setting is a --flag=value (or --flag value)`;
  return err.message;
}
