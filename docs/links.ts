// Checks what the docs point at, so that a page cannot rot silently when code or other pages
// move: every relative link must name a file or folder of the repository, every #anchor a
// heading of the page it names (GitHub's slugs, github-slugger), and every repository path
// written in code (`gateway/src/api/exchange.ts`) must exist. Pages are read with marked's
// lexer, so links and paths inside fenced code are not taken for links.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import GithubSlugger from 'github-slugger';
import { marked, type Token, type Tokens } from 'marked';
import { ROOT } from './generated.js';

/** Top-level folders whose paths, written in code spans, must exist. */
const REPO_DIRS = ['gateway', 'loadtest', 'eval', 'training', 'charts', 'grafana', 'bench', 'docs', 'mk', 'docker'];
/** Written in code but not meant to exist in a checkout: outputs (benchmark results, training runs), placeholders, globs. */
const NOT_A_PATH = /[*<>{}$…]|\/out\/|^training\/out$|^bench\/results\//;

/** The visible text of inline tokens, as GitHub slugs a heading from it. */
function plainText(tokens: Token[] | undefined): string {
  let s = '';
  for (const t of tokens ?? []) {
    if (t.type === 'html') continue;
    if ('tokens' in t && t.tokens) s += plainText(t.tokens);
    else if (t.type === 'codespan' || t.type === 'text' || t.type === 'escape') s += (t as Tokens.Text).text;
  }
  return s;
}

interface Page {
  anchors: Set<string>;
  links: string[];
  codePaths: string[];
}

function readPage(markdown: string): Page {
  const tokens = marked.lexer(markdown);
  const slugger = new GithubSlugger();
  const page: Page = { anchors: new Set(), links: [], codePaths: [] };
  void marked.walkTokens(tokens, (t) => {
    if (t.type === 'heading') page.anchors.add(slugger.slug(plainText((t as Tokens.Heading).tokens)));
    else if (t.type === 'link' || t.type === 'image') page.links.push((t as Tokens.Link).href);
    else if (t.type === 'html')
      for (const m of (t as Tokens.HTML).text.matchAll(/\b(?:id|name)="([^"]+)"/g)) page.anchors.add(m[1]!);
    else if (t.type === 'codespan') {
      const text = (t as Tokens.Codespan).text.trim();
      const first = text.split('/')[0]!;
      if (REPO_DIRS.includes(first) && text.includes('/') && !/\s/.test(text) && !NOT_A_PATH.test(text))
        page.codePaths.push(text.replace(/[:#].*$/, ''));
    }
  });
  return page;
}

/**
 * Broken links, anchors and paths in the given pages (path relative to `root` → markdown), one
 * line each: `file: what is wrong`. Anchors into pages outside the set are read from disk.
 */
export function checkDocs(pages: Map<string, string>, root = ROOT): string[] {
  const read = new Map<string, Page>();
  const pageAt = (file: string): Page | null => {
    if (!read.has(file)) {
      const text =
        pages.get(file) ?? (existsSync(path.join(root, file)) ? readFileSync(path.join(root, file), 'utf8') : null);
      if (text === null) return null;
      read.set(file, readPage(text));
    }
    return read.get(file)!;
  };
  const broken: string[] = [];
  for (const [file, text] of pages) {
    const page = readPage(text);
    read.set(file, page);
    const dir = path.posix.dirname(file);
    for (const href of page.links) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(href) || href.startsWith('//')) continue; // http:, mailto:, …
      const hash = href.indexOf('#');
      const target = decodeURIComponent(hash < 0 ? href : href.slice(0, hash));
      const anchor = hash < 0 ? null : decodeURIComponent(href.slice(hash + 1));
      const resolved =
        target === ''
          ? file
          : target.startsWith('/')
            ? target.slice(1)
            : path.posix.normalize(path.posix.join(dir, target));
      if (resolved.startsWith('..')) {
        broken.push(`${file}: link ${href} leaves the repository`);
        continue;
      }
      const abs = path.join(root, resolved);
      if (!existsSync(abs)) {
        broken.push(`${file}: link ${href}: ${resolved} does not exist`);
        continue;
      }
      if (anchor === null) continue;
      if (statSync(abs).isDirectory()) broken.push(`${file}: link ${href}: a folder has no anchors`);
      else if (resolved.endsWith('.md')) {
        if (!pageAt(resolved)!.anchors.has(anchor))
          broken.push(`${file}: link ${href}: no heading '#${anchor}' in ${resolved}`);
      } else if (!/^L\d+(-L\d+)?$/.test(anchor))
        broken.push(`${file}: link ${href}: only line anchors (#L12) point into ${resolved}`);
    }
    for (const p of page.codePaths)
      if (!existsSync(path.join(root, p))) broken.push(`${file}: \`${p}\` does not exist`);
  }
  return broken;
}

const CODE_REF = /\bdocs\/[A-Za-z0-9_./-]+\.md(?:#[A-Za-z0-9_-]+)?/g;

/**
 * `docs/….md` and `docs/….md#anchor` named in other files (code comments, help texts, config
 * descriptions, make fragments) that point nowhere, one line each: `file: what is wrong`.
 */
export function checkCodeRefs(files: string[], root = ROOT): string[] {
  const anchors = new Map<string, Set<string>>();
  const broken: string[] = [];
  for (const file of files) {
    const text = readFileSync(path.join(root, file), 'utf8');
    for (const [ref] of text.matchAll(CODE_REF)) {
      const [page, anchor] = ref.split('#') as [string, string | undefined];
      if (!existsSync(path.join(root, page))) {
        broken.push(`${file}: ${ref}: ${page} does not exist`);
        continue;
      }
      if (anchor === undefined) continue;
      if (!anchors.has(page)) anchors.set(page, readPage(readFileSync(path.join(root, page), 'utf8')).anchors);
      if (!anchors.get(page)!.has(anchor)) broken.push(`${file}: ${ref}: no heading '#${anchor}' in ${page}`);
    }
  }
  return broken;
}

/** The tracked files whose `docs/….md` references checkCodeRefs reads: everything but the docs themselves and large or binary files. */
export function codeRefFiles(root = ROOT): string[] {
  return execFileSync('git', ['ls-files', '-z'], { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
    .split('\0')
    .filter((f) => f && !f.endsWith('.md') && !f.startsWith('docs/') && !/\.(png|jpe?g|gif|ico|whl|gz|gguf)$/i.test(f))
    .filter(
      (f) =>
        existsSync(path.join(root, f)) &&
        statSync(path.join(root, f)).isFile() &&
        statSync(path.join(root, f)).size < 4 * 1024 * 1024,
    );
}
