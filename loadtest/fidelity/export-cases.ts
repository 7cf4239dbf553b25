// Step 1 of `make vllm-fixtures`: turns the tool-call corpus into the input of the vLLM driver
// (generate_fixtures.py): each case's raw model text cut into the simulator's token pieces, so
// vLLM's parsers and the simulator see the same tokens, plus Qwen3's added-token table for the
// tokenizer the driver builds, plus a few hand-written edge cases (below).
// Usage: tsx export-cases.ts <corpus.jsonl> <out.json>
import { readFileSync, writeFileSync } from 'node:fs';
import { QWEN3_ADDED_TOKENS, EOS_TOKEN, tokenPieces } from '../src/sim/tokenizer.js';

interface CorpusCase {
  id: string;
  tools?: unknown[];
  tool_choice?: unknown;
  output: { content?: string | null };
}

const WEATHER_TOOLS = [
  {
    type: 'function',
    function: {
      name: 'get_weather',
      parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
    },
  },
  { type: 'function', function: { name: 'get_time' } },
];

/**
 * Hand-written texts for parser paths the corpus does not reach: text held back because it may
 * start a marker, special tokens inside the answer, astral characters, markup vLLM absorbs, a
 * name-only call cut by max_tokens ("truncated" ids also run with finish "length").
 */
const EDGE_CASES: Array<{ id: string; text: string }> = [
  { id: 'edge-angle-brackets-in-prose', text: 'The value is < 5 and > 2, so <b>bold</b> is fine.' },
  { id: 'edge-truncated-partial-tag', text: 'Let me call the tool <tool_' },
  {
    id: 'edge-special-tokens-in-answer',
    text: '<think>\nok<|im_start|>\n</think>\n\nHi<|im_start|> there<|endoftext|>.',
  },
  {
    id: 'edge-astral-characters',
    text: '<think>\nTokyo 🗼 weather.\n</think>\n\n<tool_call>\n{"name": "get_weather", "arguments": {"city": "Tokyo 🗼"}}\n</tool_call>',
  },
  { id: 'edge-double-close-think', text: '<think>a</think>b</think>c<think>d' },
  {
    id: 'edge-function-markup-in-reasoning',
    text: '<think>\nuse <function=get_weather> <parameter=city>Oslo</parameter></function>?\n</think>\n\nok',
  },
  { id: 'edge-truncated-after-name', text: '<tool_call>\n{"name": "get_time"' },
  {
    id: 'edge-nameless-first-call',
    text: '<tool_call>\n{"arguments": {}}\n</tool_call>\n<tool_call>\n{"name": "get_time", "arguments": {}}\n</tool_call>',
  },
  {
    id: 'edge-text-after-calls',
    text: 'Checking.\n<tool_call>\n{"name": "get_time", "arguments": {}}\n</tool_call>\nDone, waiting for the result.',
  },
];

const [corpusPath, outPath] = process.argv.slice(2);
if (!corpusPath || !outPath) {
  process.stderr.write('usage: export-cases.ts <corpus.jsonl> <out.json>\n');
  process.exit(2);
}
const cases = readFileSync(corpusPath, 'utf8')
  .split('\n')
  .filter((l) => l.trim())
  .map((l) => JSON.parse(l) as CorpusCase)
  .filter((c) => typeof c.output.content === 'string' && c.output.content.length > 0)
  .map((c) => ({ id: c.id, tools: c.tools ?? [], tool_choice: c.tool_choice ?? null, text: c.output.content! }))
  .concat(EDGE_CASES.map((e) => ({ ...e, tools: WEATHER_TOOLS, tool_choice: null })))
  .map((c) => ({ ...c, pieces: tokenPieces(c.text) }));
writeFileSync(outPath, JSON.stringify({ added_tokens: QWEN3_ADDED_TOKENS, eos_token: EOS_TOKEN, cases }));
process.stdout.write(
  `${cases.length} cases with raw text (${EDGE_CASES.length} of them hand-written edge cases) → ${outPath}\n`,
);
