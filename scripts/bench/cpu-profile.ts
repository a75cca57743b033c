/**
 * npx tsx scripts/bench/cpu-profile.ts <file.cpuprofile>: where the operator's CPU time goes, from
 * a profile written by `node --cpu-prof` (npm run bench -- --cpu-prof writes one per operator run).
 * Self time is summed by what the code does (parsing JSON, TLS, logging, ...), then by package or
 * source file, then the top functions.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** Where a function lives: a package, one of our source files, node's internals, or V8 itself. */
function placeOf(url: string, name: string): string {
  if (!url) return name.startsWith('(') ? name : `(builtin) ${name || 'anonymous'}`;
  const pkg = url.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
  if (pkg) return pkg[1];
  const ours = url.match(/\/(src|dist)\/(.*)$/);
  if (ours) return `ours: ${ours[2].replace(/\.js$/, '.ts')}`;
  if (url.startsWith('node:')) return url.replace(/^node:internal\//, 'node:').replace(/\/.*$/, '');
  return url;
}

/** What a place does, as the brief asks it: JSON, hashing, status derivation, logging, and the rest. */
function categoryOf(place: string, name: string): string {
  if (/^\(builtin\) (parse|stringify)$/.test(place) || /safeJson|JSON/.test(name)) return 'JSON parse/stringify';
  // JSON.parse of a watch event shows as the informer's stream handler's own time.
  if (/^\(builtin\) (writeUtf8String|writev|writeBuffer|writeLatin1String)$/.test(place))
    return 'socket and stdout writes (TLS encryption included)';
  if (place === 'node:v8' && name === 'writeHeapSnapshot') return 'heap snapshots (benchmark only)';
  if (place === '(garbage collector)') return 'garbage collection';
  if (place === '(program)' || place === '(idle)') return place;
  if (/winston|logform|safe-stable-stringify|readable-stream|triple-beam|colors|fecha/.test(place)) return 'logging';
  if (/prom-client|tdigest|bintrees/.test(place)) return 'metrics';
  if (place === 'zod') return 'zod (spec parsing)';
  if (/ours: core\/template-hash|crypto/.test(place) || /digest|createHash/.test(name)) return 'hashing';
  if (/ours: core\/(status|print-pod|pod-facts)/.test(place)) return 'status derivation';
  if (/ours: core\/(render|plan|wait-script)/.test(place)) return 'rendering and planning';
  if (/ours: controller\/informer/.test(place)) return 'informer (watch stream)';
  if (/ours: /.test(place)) return 'ours, other';
  if (/node:(tls|net|stream|_http|http|https|streams|buffer|timers|async_hooks|events|process|url)/.test(place))
    return 'node: HTTP, TLS, streams, timers';
  if (place.startsWith('(builtin)')) return 'V8 builtins, other';
  return 'other';
}

function main(): void {
  const file = process.argv[2];
  if (!file) throw new Error('usage: cpu-profile.ts <file.cpuprofile>');
  const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  p.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0)));
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const sum = (key: (n: ProfileNode) => string) => {
    const m = new Map<string, number>();
    for (const [id, us] of self) {
      const k = key(byId.get(id)!);
      m.set(k, (m.get(k) ?? 0) + us);
    }
    return [...m].sort((a, b) => b[1] - a[1]);
  };
  const busy = total - (sum((n) => n.callFrame.functionName).find(([k]) => k === '(idle)')?.[1] ?? 0);
  const show = (title: string, rows: Array<[string, number]>, top: number) => {
    console.log(`\n${title}`);
    for (const [k, us] of rows.slice(0, top))
      console.log(`  ${((us / busy) * 100).toFixed(1).padStart(5)}%  ${(us / 1e6).toFixed(2).padStart(7)} s  ${k}`);
  };
  const place = (n: ProfileNode) => placeOf(n.callFrame.url, n.callFrame.functionName);
  console.log(`${file}: ${(total / 1e6).toFixed(1)} s profiled, ${(busy / 1e6).toFixed(2)} s not idle (100% below)`);
  show(
    'by what it does',
    sum((n) => categoryOf(place(n), n.callFrame.functionName)).filter(([k]) => k !== '(idle)'),
    20,
  );
  show(
    'by package or file',
    sum(place).filter(([k]) => k !== '(idle)'),
    25,
  );
  show(
    'top functions',
    sum((n) => `${n.callFrame.functionName || '(anonymous)'} ${place(n)}:${n.callFrame.lineNumber + 1}`).filter(
      ([k]) => !k.startsWith('(idle)'),
    ),
    30,
  );
}

main();
