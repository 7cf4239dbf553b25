import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildConfig, DEFAULT_CONCURRENCY, DEFAULT_CONTEXT } from '../src/runner/cli.js';
import { loadMatrix, MatrixError, parseMatrix } from '../src/runner/matrix-file.js';

const MATRICES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../matrices');

describe('matrix file', () => {
  it('every shipped matrix is valid', async () => {
    const files = (await readdir(MATRICES)).filter((f) => f.endsWith('.yaml'));
    expect(files.length).toBeGreaterThanOrEqual(3);
    for (const f of files) await expect(loadMatrix(path.join(MATRICES, f))).resolves.toBeTypeOf('object');
  });

  it('names the field for wrong types, unknown keys and bad targets', () => {
    expect(() => parseMatrix('concurrency: [1, "two"]')).toThrow(/concurrency\.1: must be integer/);
    expect(() => parseMatrix('concurency: [1]')).toThrow(/must NOT have additional properties 'concurency'/);
    expect(() => parseMatrix('targets:\n  - label: a\n    target: ftp://x')).toThrow(/targets\.0\.target/);
    expect(() =>
      parseMatrix('targets:\n  - {label: a, target: "http://x"}\n  - {label: a, target: "http://y"}'),
    ).toThrow(/label 'a' is used twice/);
    expect(() => parseMatrix('requests: 5\nduration_s: 3')).toThrow(/either 'requests' or 'duration_s'/);
    expect(() => parseMatrix('concurrency: [1\ncontext: ]')).toThrow(MatrixError);
    expect(() => parseMatrix('- 1\n- 2')).toThrow(/mapping/);
  });

  it('a missing file is a MatrixError naming the path', async () => {
    await expect(loadMatrix('/nonexistent/m.yaml')).rejects.toThrow(/cannot read matrix file '\/nonexistent\/m.yaml'/);
  });

  it('flags override the matrix, which overrides the defaults', () => {
    const m = parseMatrix(
      'model: m1\nconcurrency: [3]\nrequest_rate: inf\nrequests: 7\ngoodput: {ttft_ms: 200}\ntargets:\n  - {label: a, target: "http://127.0.0.1:9/v1/", max_num_seqs: 8, pods: 2}',
    );
    const fromMatrix = buildConfig({}, [], m);
    expect(fromMatrix.model).toBe('m1');
    expect(fromMatrix.concurrency).toEqual([3]);
    expect(fromMatrix.contextTokens).toEqual(DEFAULT_CONTEXT);
    expect(fromMatrix.requestsPerCell).toBe(7);
    expect(fromMatrix.requestRate).toBe(Infinity);
    expect(fromMatrix.goodput).toEqual({ ttftMs: 200 });
    expect(fromMatrix.targets).toEqual([{ label: 'a', target: 'http://127.0.0.1:9', maxNumSeqs: 8, pods: 2 }]);
    const flags = buildConfig(
      { model: 'm2', concurrency: '1,2', 'request-rate': '4', target: 'http://127.0.0.1:1', 'no-tools': true },
      ['tpot:30'],
      m,
    );
    expect(flags.model).toBe('m2');
    expect(flags.concurrency).toEqual([1, 2]);
    expect(flags.requestRate).toBe(4);
    expect(flags.targets).toEqual([{ label: 'default', target: 'http://127.0.0.1:1' }]);
    expect(flags.tools).toBe(false);
    expect(flags.goodput).toEqual({ tpotMs: 30 });
    const defaults = buildConfig({ target: 'http://127.0.0.1:1', model: 'x' }, [], {});
    expect(defaults.concurrency).toEqual(DEFAULT_CONCURRENCY);
    expect(defaults.requestsPerCell).toBe(100);
    expect(defaults.warmupRequests).toBe(-1);
  });

  it('rejects bad flag values with the flag name', () => {
    expect(() => buildConfig({ target: 'http://x', model: 'm', concurrency: '1,0' }, [], {})).toThrow(
      /--concurrency: '0'/,
    );
    expect(() => buildConfig({ target: 'http://x', model: 'm', 'request-rate': 'fast' }, [], {})).toThrow(
      /--request-rate/,
    );
    expect(() => buildConfig({ target: 'not a url', model: 'm' }, [], {})).toThrow(/not a URL/);
    expect(() => buildConfig({ model: 'm' }, [], {})).toThrow(/--target is required/);
    expect(() => buildConfig({ target: 'http://x', model: 'm', requests: '3', duration: '2' }, [], {})).toThrow(
      /either --requests or --duration/,
    );
  });
});
