// npm run bench:json-depth — the depth check every untrusted JSON text passes before JSON.parse
// (toolcalls/safe-json.ts). Profiling the streamed path showed parseJson's own time above
// JSON.parse's: the char-by-char scan cost 0.5× JSON.parse on an SSE chunk and 5× on a request
// body with long strings. Now: a count of openers by native indexOf decides most texts, and the
// scan skips string contents with indexOf. The old scan (kept here as the baseline) and the new
// check run on the same texts in one run. Writes bench/results/json-depth.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { MAX_JSON_DEPTH, jsonTextDepth, nestsDeeperThan } from '../gateway/src/toolcalls/index.js';
import { requestBody } from './peers/requests.js';
import { microTime } from './lib/micro-time.js';

const ITERATIONS = Number(process.env.DEPTH_ITERATIONS ?? 20_000);

const time = (fn: () => unknown): number => microTime(fn, ITERATIONS);

/** The scan parseJson ran before (one UTF-16 unit at a time, strings included). */
function charScanDepth(text: string, stopAbove: number): number {
  let depth = 0;
  let max = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      for (i++; i < text.length; i++) {
        const s = text.charCodeAt(i);
        if (s === 0x5c) i++;
        else if (s === 0x22) break;
      }
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) {
        max = depth;
        if (max > stopAbove) return max;
      }
    } else if ((c === 0x5d || c === 0x7d) && depth > 0) depth--;
  }
  return max;
}

const texts: Record<string, string> = {
  'SSE chunk (one content delta)':
    '{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1760000000,"model":"Qwen/Qwen3-0.6B","choices":[{"index":0,"delta":{"content":" hello"},"logprobs":null,"finish_reason":null}]}',
  'request, one tool (bench:peers)': requestBody('tool1'),
  'request, thirty tools (bench:peers)': requestBody('tools30'),
  'request, 20 long user turns': JSON.stringify({
    model: 'Qwen/Qwen3-0.6B',
    messages: Array.from({ length: 20 }, (_, i) => ({ role: 'user', content: `${'hello world '.repeat(20)}${i}` })),
  }),
};

const results: Record<
  string,
  { chars: number; jsonParseUs: number; charScanUs: number; checkUs: number; ratio: number }
> = {};
for (const [name, text] of Object.entries(texts)) {
  if (charScanDepth(text, Infinity) > MAX_JSON_DEPTH !== nestsDeeperThan(text, MAX_JSON_DEPTH))
    throw new Error(`${name}: the checks disagree`);
  if (charScanDepth(text, Infinity) !== jsonTextDepth(text)) throw new Error(`${name}: the depths disagree`);
  const jsonParseUs = time(() => JSON.parse(text));
  const charScanUs = time(() => charScanDepth(text, MAX_JSON_DEPTH) > MAX_JSON_DEPTH);
  const checkUs = time(() => nestsDeeperThan(text, MAX_JSON_DEPTH));
  results[name] = { chars: text.length, jsonParseUs, charScanUs, checkUs, ratio: charScanUs / checkUs };
  process.stderr.write(
    `[bench:json-depth] ${name} (${text.length} chars): JSON.parse ${jsonParseUs.toFixed(2)} µs, ` +
      `char scan ${charScanUs.toFixed(2)} µs, check ${checkUs.toFixed(2)} µs (${(charScanUs / checkUs).toFixed(1)}×)\n`,
  );
}

mkdirSync('bench/results', { recursive: true });
writeFileSync(
  'bench/results/json-depth.json',
  JSON.stringify(
    {
      benchmark: 'json-depth',
      date: new Date().toISOString(),
      node: process.version,
      note: 'µs per operation, best of three runs; ratio = char scan ÷ check, measured in the same run; JSON.parse of the same text for scale.',
      results,
    },
    null,
    2,
  ) + '\n',
);
