// Step 1 of `make vllm-fixtures`: turns the tool-call corpus into the input of the vLLM driver
// (generate_fixtures.py): each case's raw model text cut into the simulator's token pieces, so
// vLLM's parsers and the simulator see the same tokens, plus Qwen3's added-token table for the
// tokenizer the driver builds. Usage: tsx export-cases.ts <corpus.jsonl> <out.json>
import { readFileSync, writeFileSync } from 'node:fs';
import { QWEN3_ADDED_TOKENS, EOS_TOKEN, tokenPieces } from '../src/sim/tokenizer.js';

interface CorpusCase {
  id: string;
  tools?: unknown[];
  tool_choice?: unknown;
  output: { content?: string | null };
}

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
  .map((c) => ({ id: c.id, tools: c.tools ?? [], tool_choice: c.tool_choice ?? null, text: c.output.content!, pieces: tokenPieces(c.output.content!) }));
writeFileSync(outPath, JSON.stringify({ added_tokens: QWEN3_ADDED_TOKENS, eos_token: EOS_TOKEN, cases }));
process.stdout.write(`${cases.length} cases with raw text → ${outPath}\n`);
