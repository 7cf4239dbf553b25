// The docs build: README.md and every page under docs/ are written by hand; the blocks between
// `<!-- generated:NAME -->` and `<!-- /generated:NAME -->` are filled in from code and committed
// results (docs/generated.ts). `npm run docs` rewrites those blocks in place and then checks
// every relative link, #anchor and repository path in the pages, and every `docs/….md` the code
// names (docs/links.ts), exiting 1 on a broken one. The docs test fails when a committed block differs from what this builds.
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { GENERATORS, ROOT } from './generated.js';
import { checkCodeRefs, checkDocs, codeRefFiles } from './links.js';

/** The pages the build and the checks cover, relative to the repository root: README.md and docs/**\/*.md. */
export function docPages(root = ROOT): string[] {
  const out = ['README.md'];
  const walk = (dir: string) => {
    for (const e of readdirSync(path.join(root, dir), { withFileTypes: true })) {
      const rel = path.posix.join(dir, e.name);
      if (e.isDirectory()) walk(rel);
      else if (e.name.endsWith('.md')) out.push(rel);
    }
  };
  walk('docs');
  return out.sort();
}

const BLOCK = /<!-- generated:([a-z0-9-]+) -->\n[\s\S]*?<!-- \/generated:\1 -->/g;
const OPENING = /<!-- generated:([a-z0-9-]+) -->/g;

/** The text split at fenced code blocks: odd entries are fences (markers shown in them are examples, not blocks). */
function splitFences(text: string): string[] {
  return text.split(/(^```[\s\S]*?^```[^\n]*$)/m);
}

/** A page with its generated blocks rebuilt; throws on an unknown name or an unclosed block. */
export function fillBlocks(file: string, text: string, generators: Record<string, () => string> = GENERATORS): string {
  return splitFences(text)
    .map((part, i) => {
      if (i % 2 === 1) return part;
      const opened = [...part.matchAll(OPENING)].map((m) => m[1]!);
      const closed = [...part.matchAll(BLOCK)].map((m) => m[1]!);
      for (const name of opened) {
        if (!generators[name])
          throw new Error(`${file}: unknown generated block '${name}' (known: ${Object.keys(generators).join(', ')})`);
      }
      if (opened.length !== closed.length)
        throw new Error(`${file}: a generated block is not closed (<!-- /generated:NAME --> after its content)`);
      return part.replace(
        BLOCK,
        (_, name: string) => `<!-- generated:${name} -->\n${generators[name]!().trim()}\n<!-- /generated:${name} -->`,
      );
    })
    .join('');
}

/** Every page as the build writes it: path → text. */
export function buildDocs(root = ROOT): Map<string, string> {
  const out = new Map<string, string>();
  for (const file of docPages(root)) out.set(file, fillBlocks(file, readFileSync(path.join(root, file), 'utf8')));
  return out;
}

/** Writes the pages whose generated blocks changed; returns their paths. */
export function writeDocs(root = ROOT): string[] {
  const changed: string[] = [];
  for (const [file, text] of buildDocs(root)) {
    if (readFileSync(path.join(root, file), 'utf8') === text) continue;
    writeFileSync(path.join(root, file), text);
    changed.push(file);
  }
  return changed;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const changed = writeDocs();
  process.stdout.write(
    changed.length ? `rewrote the generated blocks of ${changed.join(', ')}\n` : 'generated blocks up to date\n',
  );
  const broken = [...checkDocs(buildDocs()), ...checkCodeRefs(codeRefFiles())];
  for (const b of broken) process.stderr.write(`${b}\n`);
  if (broken.length) {
    process.stderr.write(`${broken.length} broken link(s) or path(s)\n`);
    process.exitCode = 1;
  }
}
