// Every corpus case through the library gives its expected outcome, calls and repair kinds.
import { describe, expect, it } from 'vitest';
import { checkToolCalls } from '../../src/toolcalls/check.js';
import { REPAIR_KINDS } from '../../src/toolcalls/repair-kinds.js';
import { isValidCase, loadToolcallCorpus } from './corpus.js';

const corpus = loadToolcallCorpus();

describe('tool-call corpus', () => {
  it('is large enough and well-formed', () => {
    const malformed = corpus.filter((c) => !isValidCase(c));
    expect(malformed.length).toBeGreaterThanOrEqual(150);
    expect(corpus.filter(isValidCase).length).toBeGreaterThanOrEqual(50);
    expect(new Set(corpus.map((c) => c.id)).size).toBe(corpus.length);
    for (const c of corpus) for (const k of c.expected.repairs) expect(REPAIR_KINDS).toContain(k);
  });

  it.each(corpus.map((c) => [c.id, c] as const))('%s', (_id, c) => {
    const report = checkToolCalls(c.tools, c.output, { toolChoice: c.tool_choice });
    expect(report.outcome).toBe(c.expected.outcome);
    expect([...report.repairs].sort()).toEqual(c.expected.repairs);
    if (c.expected.outcome === 'valid' || c.expected.outcome === 'repaired') {
      expect(report.calls.map((k) => ({ name: k.name, arguments: k.arguments }))).toEqual(c.expected.calls);
      for (const k of report.calls) expect(JSON.parse(k.argumentsJson)).toEqual(k.arguments);
    }
    if (c.expected.outcome === 'invalid') expect(report.errors.length).toBeGreaterThan(0);
    if (c.expected.content !== undefined) expect(report.content).toEqual(c.expected.content);
  });
});
