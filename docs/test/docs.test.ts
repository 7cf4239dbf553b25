// The docs stay true to the code and to each other: the generated blocks (configuration and
// metrics references, benchmark figures) equal what `npm run docs` builds; every relative link,
// #anchor and repository path in README.md and docs/**/*.md resolves, and so does every
// `docs/….md` the code names; the README stays short and opens with the two commands.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildDocs, docPages, fillBlocks } from '../build.js';
import { ROOT } from '../generated.js';
import { checkCodeRefs, checkDocs, codeRefFiles } from '../links.js';
import { createMetrics } from '../../gateway/src/telemetry/metrics.js';
import { peersHeadline } from '../../bench/lib/peers-table.js';

const built = buildDocs();
const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');
const readme = read('README.md');

describe('generated blocks', () => {
  it.each(docPages())('%s is up to date (npm run docs)', (file) => {
    expect(read(file)).toBe(built.get(file));
  });

  it('fills a block between its markers and leaves examples in code fences alone', () => {
    const page = [
      'a',
      '<!-- generated:x -->',
      'old',
      '<!-- /generated:x -->',
      '```',
      '<!-- generated:x -->',
      'example',
      '<!-- /generated:x -->',
      '```',
      '',
    ].join('\n');
    const out = fillBlocks('p.md', page, { x: () => 'new\n' });
    expect(out).toBe(
      [
        'a',
        '<!-- generated:x -->',
        'new',
        '<!-- /generated:x -->',
        '```',
        '<!-- generated:x -->',
        'example',
        '<!-- /generated:x -->',
        '```',
        '',
      ].join('\n'),
    );
  });

  it('refuses an unknown block and an unclosed one', () => {
    expect(() => fillBlocks('p.md', '<!-- generated:nope -->\n<!-- /generated:nope -->\n', { x: () => '' })).toThrow(
      /p\.md: unknown generated block 'nope'/,
    );
    expect(() => fillBlocks('p.md', '<!-- generated:x -->\nno end\n', { x: () => '' })).toThrow(
      /p\.md: a generated block is not closed/,
    );
  });
});

describe('the README peers line', () => {
  it('states each ratio to vllm-router and counts the goals met, a p99 above its bound as missed', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'peers-line-'));
    try {
      const cell = (rps: number, p99: number) => ({ status: 'ok', vsVllmRouter: { rps, p99 } });
      const file = path.join(dir, 'peers.json');
      writeFileSync(
        file,
        JSON.stringify({
          date: '2026-12-02T00:00:00Z',
          results: {
            tool1: { 'toolgate-checked': cell(0.8, 1.5), 'toolgate-off': cell(0.9, 2.5) },
            stream16: { 'toolgate-checked': cell(0.7, 1.9), 'toolgate-off': cell(1.1, 2) },
          },
        }),
      );
      const line = peersHeadline(file);
      expect(line).toContain('one tool: 0.80× / 0.90× req/s, p99 1.50× / 2.50×');
      expect(line).toContain('streamed: 0.70× / 1.10× req/s, p99 1.90× / 2.00×');
      // met: 0.80 ≥ 0.75, p99 1.50, 1.10 ≥ 1, p99 1.90, p99 2.00 (at the bound); missed: 0.90, 2.50, 0.70
      expect(line).toContain('5 of 8 met');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('links, anchors and paths', () => {
  it('every relative link, #anchor and repository path in README.md and docs/ resolves', () => {
    expect(checkDocs(built)).toEqual([]);
  });

  it('every docs/….md (and #anchor) the code names exists', () => {
    const files = codeRefFiles();
    expect(files).toContain('gateway/src/api/exchange.ts');
    expect(checkCodeRefs(files)).toEqual([]);
  });

  it('the checks fail on what is broken', () => {
    const root = mkdtempSync(path.join(tmpdir(), 'toolgate-docs-'));
    try {
      mkdirSync(path.join(root, 'docs/sub'), { recursive: true });
      mkdirSync(path.join(root, 'gateway/src'), { recursive: true });
      writeFileSync(
        path.join(root, 'gateway/src/a.ts'),
        '// see docs/page.md#twice-1 and docs/page.md#nowhere and docs/gone.md\n',
      );
      const pages = new Map([
        [
          'docs/page.md',
          [
            '# Page',
            '## Twice',
            '## Twice',
            '## Gateway (`toolgate serve`)',
            '[ok](#twice-1) [ok](#gateway-toolgate-serve) [ok](sub/other.md#other) [ok](../gateway/src/a.ts#L3) [ok](sub/)',
            '[bad](#twice-2) [bad](sub/missing.md) [bad](sub/other.md#nope) [bad](../gateway/src/a.ts#top) [bad](../../outside.md)',
            '`gateway/src/a.ts` `gateway/src/missing.ts` `bench/results/any.json`',
            '```',
            '[not a link](nowhere.md) `gateway/src/in-a-fence.ts`',
            '```',
            '',
          ].join('\n'),
        ],
        ['docs/sub/other.md', '# Other\n[up](../page.md#page)\n'],
      ]);
      for (const [f, t] of pages) writeFileSync(path.join(root, f), t);
      expect(checkDocs(pages, root)).toEqual([
        "docs/page.md: link #twice-2: no heading '#twice-2' in docs/page.md",
        'docs/page.md: link sub/missing.md: docs/sub/missing.md does not exist',
        "docs/page.md: link sub/other.md#nope: no heading '#nope' in docs/sub/other.md",
        'docs/page.md: link ../gateway/src/a.ts#top: only line anchors (#L12) point into gateway/src/a.ts',
        'docs/page.md: link ../../outside.md leaves the repository',
        'docs/page.md: `gateway/src/missing.ts` does not exist',
      ]);
      expect(checkCodeRefs(['gateway/src/a.ts'], root)).toEqual([
        "gateway/src/a.ts: docs/page.md#nowhere: no heading '#nowhere' in docs/page.md",
        'gateway/src/a.ts: docs/gone.md: docs/gone.md does not exist',
      ]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('README', () => {
  it('is at most 200 lines', () => {
    expect(readme.split('\n').length).toBeLessThanOrEqual(200);
  });

  it('starts with exactly the two commands', () => {
    const firstBlock = /```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
    const commands = firstBlock
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => l.split('#')[0]!.trim());
    expect(commands).toEqual(['make start', 'make test']);
    expect(readme.indexOf('make start')).toBeLessThan(readme.indexOf('## '));
  });

  it('names every toolgate command', () => {
    for (const cmd of ['serve', 'sim', 'loadtest', 'eval', 'score', 'export', 'report ab'])
      expect(readme).toContain(`toolgate ${cmd}`);
  });

  it('links every page under docs/', () => {
    for (const page of docPages().filter((p) => p.startsWith('docs/') && !p.startsWith('docs/reward-spec-v1')))
      expect(readme, page).toContain(`](${page}`);
  });
});

describe('references', () => {
  it('the metrics reference documents every metric the gateway exports', () => {
    const metrics = read('docs/reference/metrics.md');
    const { registry } = createMetrics(undefined, { defaultMetrics: false });
    for (const m of registry.getMetricsAsArray())
      expect(metrics).toContain(`\`${(m as unknown as { name: string }).name}\``);
  });

  it('the configuration reference documents every top-level key', () => {
    const config = read('docs/reference/configuration.md');
    for (const key of [
      'server',
      'pools',
      'models',
      'toolcalls',
      'capture',
      'redis',
      'auth',
      'rateLimit',
      'responses',
      'mcp',
      'sim',
    ])
      expect(config).toContain(`| \`${key}.`);
  });
});
