/**
 * npm run check:functions: lists the longest functions in src/ and fails when one is longer than
 * --max lines (default 80), so a function a newcomer has to hold in their head at once stays short.
 *
 *   npx tsx scripts/function-lengths.ts [--max N] [--top N] [dir or file ...]   (default: src)
 *
 * A function is every function declaration, method, arrow function and function expression; its
 * length runs from its first line (after any doc comment) to its last, so a function nested in
 * another counts in both.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';

export interface FunctionLength {
  file: string;
  name: string;
  /** 1-based line of the function's first character. */
  line: number;
  lines: number;
}

/** nameOf says which function this is: its own name, or else the name it is assigned to. */
function nameOf(node: ts.FunctionLikeDeclaration, sf: ts.SourceFile): string {
  const own = node.name && !ts.isComputedPropertyName(node.name) ? node.name.getText(sf) : undefined;
  const parent = node.parent;
  const owner = ts.isClassLike(parent) && parent.name ? `${parent.name.text}.` : '';
  if (own) return owner + own;
  if (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent))
    return parent.name.getText(sf);
  if (ts.isCallExpression(parent)) return `<callback to ${parent.expression.getText(sf).slice(0, 40)}>`;
  return '<anonymous>';
}

/** functionLengths measures every function in one file's source text. */
export function functionLengths(file: string, text: string): FunctionLength[] {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: FunctionLength[] = [];
  const visit = (node: ts.Node): void => {
    if (
      ts.isFunctionDeclaration(node) ||
      ts.isMethodDeclaration(node) ||
      ts.isArrowFunction(node) ||
      ts.isFunctionExpression(node)
    ) {
      const first = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line;
      const last = sf.getLineAndCharacterOfPosition(node.getEnd()).line;
      found.push({ file, name: nameOf(node, sf), line: first + 1, lines: last - first + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}

function tsFiles(where: string): string[] {
  if (!statSync(where).isDirectory()) return [where];
  return readdirSync(where, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? tsFiles(path.join(where, e.name)) : [path.join(where, e.name)]))
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'));
}

function option(args: string[], flag: string, fallback: number): number {
  const i = args.indexOf(flag);
  if (i < 0) return fallback;
  const value = Number(args[i + 1]);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${flag} takes a whole number, got ${args[i + 1]}`);
  args.splice(i, 2);
  return value;
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const max = option(args, '--max', 80);
  const top = option(args, '--top', 10);
  const root = path.join(__dirname, '..');
  const files = (args.length ? args : [path.join(root, 'src')]).flatMap(tsFiles);
  const all = files
    .flatMap((f) => functionLengths(path.relative(root, path.resolve(f)), readFileSync(f, 'utf8')))
    .sort((a, b) => b.lines - a.lines || a.file.localeCompare(b.file) || a.line - b.line);
  const show = (f: FunctionLength) => `${String(f.lines).padStart(5)}  ${f.file}:${f.line}  ${f.name}`;
  console.log(`The ${Math.min(top, all.length)} longest of ${all.length} functions (lines, where, name):`);
  for (const f of all.slice(0, top)) console.log(show(f));
  const over = all.filter((f) => f.lines > max);
  if (over.length) {
    console.error(`\n${over.length} function(s) longer than ${max} lines:\n${over.map(show).join('\n')}`);
    process.exit(1);
  }
  console.log(`\nNone is longer than ${max} lines.`);
}
