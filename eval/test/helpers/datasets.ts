// Generated own-format datasets for runner tests.
import { writeFileSync } from 'node:fs';

export const ADD_TOOL = {
  type: 'function',
  function: {
    name: 'add',
    parameters: {
      type: 'object',
      properties: { a: { type: 'integer' }, b: { type: 'integer' } },
      required: ['a', 'b'],
    },
  },
};

/** n items "add i and i+1", ids q0..q{n-1}; the prompt names the id so a server can tell them apart. */
export function writeAddDataset(path: string, n: number): void {
  const lines = Array.from({ length: n }, (_, i) =>
    JSON.stringify({
      id: `q${i}`,
      messages: [{ role: 'user', content: `q${i}: add ${i} and ${i + 1}` }],
      tools: [ADD_TOOL],
      expected_calls: [{ name: 'add', arguments: { a: i, b: i + 1 } }],
    }),
  );
  writeFileSync(path, lines.join('\n') + '\n');
}

/** The scripted answer to an add prompt: the correct call. */
export function answerAdd(prompt: string): { tool_calls: { name: string; arguments: string }[] } {
  const m = /add (\d+) and (\d+)/.exec(prompt)!;
  return { tool_calls: [{ name: 'add', arguments: JSON.stringify({ a: Number(m[1]), b: Number(m[2]) }) }] };
}

export const idOf = (prompt: unknown): string => /^(q\d+):/.exec(String(prompt))![1]!;
