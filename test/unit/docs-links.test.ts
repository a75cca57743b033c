/**
 * Every relative link in README.md, CONTRIBUTING.md, CHANGELOG.md and docs/ resolves: the file it
 * names exists, and its #anchor is a heading of the target (GitHub's slugs). README.md stays small.
 * Links to http(s) and mailto are not followed; links in code (fenced blocks, `spans`) are not links.
 */
import { strict as assert } from 'node:assert';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const README_MAX_BYTES = 12_000;

/** What the checker reads; tests of the checker give it files from memory. */
export interface Files {
  /** The text of a file, or undefined when there is none (a folder is not a file). */
  read(file: string): string | undefined;
  /** Whether a file or folder exists. */
  exists(file: string): boolean;
}

/** blank replaces every character but newlines by spaces, so offsets and line numbers stay. */
const blank = (s: string) => s.replace(/[^\n]/g, ' ');

/** withoutFences blanks fenced code blocks (``` or ~~~, closed by a fence as long or longer). */
export function withoutFences(text: string): string {
  let fence: { char: string; length: number } | undefined;
  return text
    .split('\n')
    .map((line) => {
      const m = /^ {0,3}(`{3,}|~{3,})(.*)$/.exec(line);
      if (!fence) {
        if (m && !(m[1][0] === '`' && m[2].includes('`'))) {
          fence = { char: m[1][0], length: m[1].length };
          return blank(line);
        }
        return line;
      }
      if (m && m[1][0] === fence.char && m[1].length >= fence.length && !m[2].trim()) fence = undefined;
      return blank(line);
    })
    .join('\n');
}

/** withoutCode also blanks code spans, which may run over a line break. */
export function withoutCode(text: string): string {
  return withoutFences(text).replace(/(`+)([\s\S]*?[^`])\1(?!`)/g, blank);
}

/** slug is GitHub's anchor for a heading: lowercase, punctuation dropped, spaces to hyphens. */
export function slug(heading: string): string {
  const text = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1') // a link's text
    .replace(/`/g, '')
    .replace(/<[^>]+>/g, '');
  return text
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

/** anchors are the targets a markdown file offers: its headings' slugs (repeats get -1, -2, ...) and HTML ids. */
export function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const line of withoutFences(markdown).split('\n')) {
    const h = /^ {0,3}#{1,6}[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$/.exec(line);
    if (h) {
      const base = slug(h[1]);
      const n = seen.get(base) ?? 0;
      seen.set(base, n + 1);
      out.add(n ? `${base}-${n}` : base);
    }
    for (const m of line.matchAll(/<a\s[^>]*(?:id|name)="([^"]+)"/g)) out.add(m[1]);
  }
  return out;
}

export interface Link {
  line: number;
  target: string;
}

/** links are the inline links, images and link definitions of a markdown text, outside code. */
export function links(markdown: string): Link[] {
  const text = withoutCode(markdown);
  const lineAt = (offset: number) => text.slice(0, offset).split('\n').length;
  const found: Link[] = [];
  const inline =
    /!?\[((?:[^[\]]|\[[^[\]]*\])*)\]\(\s*(<[^>\n]*>|[^\s()]*(?:\([^\s()]*\)[^\s()]*)*)(?:\s+(?:"[^"]*"|'[^']*'|\([^)]*\)))?\s*\)/g;
  for (const m of text.matchAll(inline)) found.push({ line: lineAt(m.index), target: m[2].replace(/^<|>$/g, '') });
  for (const m of text.matchAll(/^ {0,3}\[[^\]\n]+\]:[ \t]*(<[^>\n]*>|\S+)/gm))
    found.push({ line: lineAt(m.index), target: m[1].replace(/^<|>$/g, '') });
  return found;
}

const EXTERNAL = /^(https?:|mailto:)/i;

/** brokenLinks names every relative link of `file` (a path from the root) that does not resolve. */
export function brokenLinks(file: string, files: Files): string[] {
  const text = files.read(file);
  if (text === undefined) return [`${file}: no such file`];
  const broken: string[] = [];
  for (const { line, target } of links(text)) {
    if (EXTERNAL.test(target)) continue;
    const hash = target.indexOf('#');
    const pathPart = decodeURI(hash < 0 ? target : target.slice(0, hash));
    const anchor = hash < 0 ? undefined : decodeURIComponent(target.slice(hash + 1));
    const resolved = pathPart
      ? path.posix.normalize(path.posix.join(path.posix.dirname(file), pathPart)).replace(/\/$/, '')
      : file;
    const where = `${file}:${line}: ${target}`;
    if (!pathPart && !anchor) broken.push(`${where}: an empty link`);
    else if (resolved.startsWith('../') || !files.exists(resolved)) broken.push(`${where}: no such file ${resolved}`);
    else if (anchor !== undefined) {
      const targetText = resolved.endsWith('.md') ? files.read(resolved) : undefined;
      if (targetText === undefined) broken.push(`${where}: #${anchor} points into ${resolved}, not a markdown file`);
      else if (!anchors(targetText).has(anchor)) broken.push(`${where}: ${resolved} has no heading #${anchor}`);
    }
  }
  return broken;
}

/** The markdown files whose links are checked, as paths from the root. */
function checkedFiles(): string[] {
  const docs = readdirSync(path.join(ROOT, 'docs'), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.md'))
    .map((f) => path.posix.join('docs', f.split(path.sep).join('/')))
    .sort();
  return ['README.md', 'CONTRIBUTING.md', 'CHANGELOG.md', ...docs];
}

const disk: Files = {
  read: (file) => {
    const full = path.join(ROOT, file);
    return existsSync(full) && statSync(full).isFile() ? readFileSync(full, 'utf8') : undefined;
  },
  exists: (file) => existsSync(path.join(ROOT, file)),
};

describe('docs links', () => {
  it(`README.md is at most ${README_MAX_BYTES.toLocaleString('en')} bytes: the rest belongs in docs/`, () => {
    const size = statSync(path.join(ROOT, 'README.md')).size;
    assert.ok(size <= README_MAX_BYTES, `README.md is ${size} bytes; move sections into docs/`);
  });

  it('checks the README, the paperwork and at least the eight docs/ pages', () => {
    const files = checkedFiles();
    assert.ok(files.filter((f) => f.startsWith('docs/')).length >= 8, files.join(', '));
  });

  for (const file of checkedFiles())
    it(`${file}: every relative link resolves, anchors included`, () => {
      assert.deepEqual(brokenLinks(file, disk), []);
    });
});

describe('the docs link checker', () => {
  const memory = (tree: Record<string, string>): Files => ({
    read: (f) => tree[f],
    exists: (f) => f in tree || Object.keys(tree).some((k) => k.startsWith(`${f}/`)),
  });

  it("makes GitHub's slugs", () => {
    assert.equal(slug('Requirements and the Node.js version'), 'requirements-and-the-nodejs-version');
    assert.equal(
      slug("Troubleshooting: the guide's problems, as the AppWithHelpers shows them"),
      'troubleshooting-the-guides-problems-as-the-appwithhelpers-shows-them',
    );
    assert.equal(slug('0001: Keep @dot-i/k8s-operator'), '0001-keep-dot-ik8s-operator');
    assert.equal(slug('The `waitFor` step and [links](x.md)'), 'the-waitfor-step-and-links');
    assert.equal(slug('snake_case stays'), 'snake_case-stays');
  });

  it('numbers repeated headings and ignores headings in code blocks', () => {
    const md = '# Status\n\n## Status\n\n```sh\n# Status\n```\n\n### Status ###\n';
    assert.deepEqual([...anchors(md)], ['status', 'status-1', 'status-2']);
  });

  it('finds links outside code only, across line breaks, with titles and definitions', () => {
    const md = [
      'See [the\nstatus](status.md#fields "Fields") and ![a figure](img/a.svg).',
      '`[not a link](nowhere.md)` and ```[nor](this.md)```',
      '```',
      '[in a fence](fenced.md)',
      '```',
      '[ref]: docs/api.md#bad-input',
    ].join('\n');
    assert.deepEqual(links(md), [
      { line: 1, target: 'status.md#fields' },
      { line: 2, target: 'img/a.svg' },
      { line: 7, target: 'docs/api.md#bad-input' },
    ]);
  });

  it('reports a missing file, a missing anchor, a link out of the repository and an empty link', () => {
    const files = memory({
      'README.md': [
        '# Top',
        '[ok](docs/a.md#one) [ok](#top) [ok](docs/) [ok](https://x.example/y) [ok](mailto:a@b.example)',
        '[gone](docs/gone.md) [no heading](docs/a.md#two) [up](../outside.md) [self](#nothing) []()',
      ].join('\n'),
      'docs/a.md': '# One\n\n[back](../README.md#top)',
    });
    assert.deepEqual(brokenLinks('docs/a.md', files), []);
    assert.deepEqual(brokenLinks('README.md', files), [
      'README.md:3: docs/gone.md: no such file docs/gone.md',
      'README.md:3: docs/a.md#two: docs/a.md has no heading #two',
      'README.md:3: ../outside.md: no such file ../outside.md',
      'README.md:3: #nothing: README.md has no heading #nothing',
      'README.md:3: : an empty link',
    ]);
  });
});
