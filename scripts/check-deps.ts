/**
 * npm run check:deps: fails when package-lock.json holds a version listed in
 * security/vulnerable-versions.json. Packages installed under an alias (request → @cypress/request)
 * are checked under their real name.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

interface Advisory {
  package: string;
  ranges: string[];
  advisory: string;
  fix: string;
}
type Version = [number, number, number];

const parse = (v: string): Version =>
  v
    .replace(/^[^\d]*/, '')
    .split(/[.+-]/)
    .slice(0, 3)
    .map((n) => parseInt(n, 10) || 0) as Version;
const compare = (a: Version, b: Version) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2];

export function inRange(version: string, range: string): boolean {
  if (range.trim() === '*') return true;
  const v = parse(version);
  return range
    .trim()
    .split(/\s+/)
    .every((part) => {
      const [, op, bound] = /^(<=|>=|<|>|=)?(.+)$/.exec(part)!;
      const c = compare(v, parse(bound));
      return op === '<' ? c < 0 : op === '<=' ? c <= 0 : op === '>' ? c > 0 : op === '>=' ? c >= 0 : c === 0;
    });
}

export function findVulnerable(
  lock: { packages: Record<string, { name?: string; version?: string }> },
  advisories: Advisory[],
): string[] {
  const found: string[] = [];
  for (const [where, pkg] of Object.entries(lock.packages)) {
    if (!where || !pkg.version) continue;
    const name = pkg.name ?? where.slice(where.lastIndexOf('node_modules/') + 'node_modules/'.length);
    for (const a of advisories) {
      if (a.package === name && a.ranges.some((r) => inRange(pkg.version!, r))) {
        found.push(`${name}@${pkg.version} at ${where}: ${a.advisory}; fix: ${a.fix}`);
      }
    }
  }
  return found;
}

if (require.main === module) {
  const root = path.join(__dirname, '..');
  const lock = JSON.parse(readFileSync(path.join(root, 'package-lock.json'), 'utf8'));
  const { advisories } = JSON.parse(readFileSync(path.join(root, 'security/vulnerable-versions.json'), 'utf8'));
  const found = findVulnerable(lock, advisories);
  const count = Object.keys(lock.packages).length - 1;
  if (found.length) {
    console.error(
      `check:deps: ${found.length} known-vulnerable package version(s) in package-lock.json:\n  ${found.join('\n  ')}`,
    );
    process.exit(1);
  }
  console.log(
    `check:deps: none of ${count} locked packages matches the ${advisories.length} advisories in security/vulnerable-versions.json`,
  );
}
