import { describe, expect, it } from 'vitest';
import { isEligible, nextPow2, recommend } from '../src/report/recommend.js';
import { syntheticCell, syntheticConfig, syntheticResults } from './helpers/synthetic-results.js';
import type { RunResults } from '../src/runner/types.js';

const T = { label: 'default', target: 'http://127.0.0.1:1' };

describe('recommendation rule', () => {
  it('picks, per context, the highest throughput whose P95 TTFT meets the target', () => {
    // TTFT = 20 + c·ctx/40 ms against a 500 ms target:
    //   256 tok: c=16 → 122 ms (all eligible; throughput saturates at c=8, so c=8 is best by ≥, c=16 ties → first kept)
    //   1024 tok: c=16 → 430 ms eligible; 4096 tok: c=4 → 430 ms, c=8 → 839 ms → best c=4.
    const rec = recommend(syntheticResults([T]));
    const best = rec.targets[0]?.perContext.map((p) => [p.contextTokens, p.best?.concurrency]);
    expect(best).toEqual([
      [256, 8],
      [1024, 8],
      [4096, 4],
    ]);
    // max_num_seqs = min best concurrency (4); batched tokens = nextPow2(4096 + 4) = 8192.
    expect(rec.targets[0]?.maxNumSeqs).toBe(4);
    expect(rec.targets[0]?.maxNumBatchedTokens).toBe(8192);
    expect(rec.rule).toMatch(/P95 TTFT/);
    expect(rec.bestMeasured).toBeNull();
  });

  it('divides by pods, floors batched tokens at 2048, and notes an unreached knee', () => {
    const t = { ...T, pods: 2 };
    const cells = [1, 2, 4].map((c) => syntheticCell(t, 256, c, { ttftMs: 10 * c, reqPerS: c }));
    const r: RunResults = {
      tool: 'toolgate-loadtest',
      version: 1,
      startedAt: '',
      finishedAt: '',
      config: syntheticConfig([t], [1, 2, 4], [256], 100),
      cells,
      problems: [],
    };
    const rec = recommend(r).targets[0];
    expect(rec?.maxNumSeqs).toBe(2); // best c = 4 over 2 pods
    expect(rec?.maxNumBatchedTokens).toBe(2048);
    expect(rec?.notes.join(' ')).toMatch(/extend the matrix/);
  });

  it('cells with more than 1 % failures or none meeting the target are not eligible', () => {
    const failing = syntheticCell(T, 256, 1, { ttftMs: 10, reqPerS: 1, failed: 1 });
    expect(isEligible(failing, 100)).toBe(false);
    const slow = [1, 2].map((c) => syntheticCell(T, 256, c, { ttftMs: 900, reqPerS: c }));
    const r: RunResults = {
      tool: 'toolgate-loadtest',
      version: 1,
      startedAt: '',
      finishedAt: '',
      config: syntheticConfig([T], [1, 2], [256], 100),
      cells: slow,
      problems: [],
    };
    const rec = recommend(r).targets[0];
    expect(rec?.maxNumSeqs).toBeNull();
    expect(rec?.notes[0]).toMatch(/No tested concurrency meets/);
  });

  it('with a settings sweep, the measured settings with the best eligible throughput win', () => {
    const a = { label: 'seqs-8', target: 'http://127.0.0.1:1', maxNumSeqs: 8, maxNumBatchedTokens: 2048 };
    const b = { label: 'seqs-64', target: 'http://127.0.0.1:2', maxNumSeqs: 64, maxNumBatchedTokens: 8192 };
    const rec = recommend(syntheticResults([a, b], { 'seqs-8': 1, 'seqs-64': 1.5 }));
    expect(rec.bestMeasured).toBe('seqs-64');
    const score = (l: string) => rec.targets.find((t) => t.label === l)?.score ?? 0;
    expect(score('seqs-64')).toBeGreaterThan(score('seqs-8'));
  });

  it('nextPow2', () => {
    expect([1, 2, 3, 2048, 2049, 4100].map(nextPow2)).toEqual([1, 2, 4, 2048, 4096, 8192]);
  });
});
