/**
 * npm run check:commits: fails, naming each one, when a commit after BASE has a subject longer than
 * 72 characters. The history up to BASE keeps the long subjects it was written with.
 *
 * A clone without BASE in its history (a shallow clone, a fork cut elsewhere) or no git history at
 * all has nothing this check can read: it says so in one line and passes.
 */
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';

/** The last commit before the rule; every commit after it is checked. */
export const BASE = 'a18f1a9ab7f7d30e750b5201e2d2f816cde634e0';
export const MAX_SUBJECT = 72;

export interface Commit {
  hash: string;
  subject: string;
}

/** subjectLength counts characters as a person does (code points: an arrow is one, not two). */
export const subjectLength = (subject: string): number => [...subject].length;

/** longSubjects names each commit whose subject is longer than `max` characters, oldest first as given. */
export function longSubjects(commits: Commit[], max = MAX_SUBJECT): string[] {
  return commits
    .filter((c) => subjectLength(c.subject) > max)
    .map((c) => `${c.hash.slice(0, 10)} (${subjectLength(c.subject)} > ${max} characters): ${c.subject}`);
}

/** parseLog reads `git log --format=%H%x09%s` output: one commit per line, hash and subject. */
export function parseLog(out: string): Commit[] {
  return out
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => {
      const tab = line.indexOf('\t');
      return { hash: line.slice(0, tab), subject: line.slice(tab + 1) };
    });
}

function git(args: string[], cwd: string): { code: number; out: string } {
  try {
    return { code: 0, out: execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }) };
  } catch (err) {
    const e = err as { status?: number | null; stderr?: string; message: string };
    return { code: e.status ?? -1, out: (e.stderr ?? e.message).trim() };
  }
}

if (require.main === module) {
  const root = path.join(__dirname, '..');
  const short = BASE.slice(0, 7);
  if (git(['rev-parse', '--git-dir'], root).code !== 0) {
    console.log(`check:commits: ${root} is not a git clone; no commit subjects to check`);
    process.exit(0);
  }
  // 0: BASE is an ancestor of HEAD; 1: it is not; 128: this clone does not have it (shallow).
  const ancestry = git(['merge-base', '--is-ancestor', BASE, 'HEAD'], root);
  if (ancestry.code !== 0) {
    const why = ancestry.code === 1 ? 'is not an ancestor of HEAD' : 'is not in this clone (a shallow clone?)';
    console.log(`check:commits: the base commit ${short} ${why}; commit subjects not checked`);
    process.exit(0);
  }
  const log = git(['log', '--format=%H%x09%s', '--reverse', `${BASE}..HEAD`], root);
  if (log.code !== 0) {
    console.error(`check:commits: git log failed: ${log.out}`);
    process.exit(1);
  }
  const commits = parseLog(log.out);
  const long = longSubjects(commits);
  if (long.length) {
    console.error(
      `check:commits: ${long.length} of ${commits.length} commit(s) after ${short} have a subject longer than ` +
        `${MAX_SUBJECT} characters (say what changed in the subject, the rest in the body):\n  ${long.join('\n  ')}`,
    );
    process.exit(1);
  }
  console.log(
    `check:commits: the ${commits.length} commit subject(s) after ${short} are at most ${MAX_SUBJECT} characters`,
  );
}
