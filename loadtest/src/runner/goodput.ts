// Goodput SLOs as `vllm bench serve --goodput ttft:MS tpot:MS e2el:MS` takes them: a request is
// good when every given metric is at or below its limit. TPOT of a one-token answer counts as 0.
import type { GoodputSlo, RequestOutput } from './types.js';

const KEYS = { ttft: 'ttftMs', tpot: 'tpotMs', e2el: 'e2elMs' } as const;

/** Parses `["ttft:500", "tpot:50"]` (or one space-separated string) into an SLO; throws on bad input. */
export function parseGoodput(args: readonly string[]): GoodputSlo {
  const slo: GoodputSlo = {};
  for (const part of args.flatMap((a) => a.split(/[\s,]+/)).filter(Boolean)) {
    const m = /^([a-z0-9]+):(.+)$/i.exec(part);
    if (!m) throw new Error(`--goodput: '${part}' is not NAME:MILLISECONDS (e.g. ttft:500 tpot:50)`);
    const name = (m[1] as string).toLowerCase();
    if (!(name in KEYS)) throw new Error(`--goodput: unknown metric '${name}' (use ttft, tpot or e2el)`);
    const value = Number(m[2]);
    if (!Number.isFinite(value) || value < 0)
      throw new Error(`--goodput: '${m[2]}' is not a non-negative number of milliseconds`);
    slo[KEYS[name as keyof typeof KEYS]] = value;
  }
  return slo;
}

export function hasSlo(slo: GoodputSlo): boolean {
  return slo.ttftMs !== undefined || slo.tpotMs !== undefined || slo.e2elMs !== undefined;
}

/** TPOT in seconds with vLLM's rule: (e2e − ttft)/(n − 1), 0 when n ≤ 1. */
export function requestTpotS(r: RequestOutput): number {
  return r.outputTokens > 1 ? (r.latencyS - r.ttftS) / (r.outputTokens - 1) : 0;
}

export function isGood(r: RequestOutput, slo: GoodputSlo): boolean {
  if (!r.success) return false;
  if (slo.ttftMs !== undefined && r.ttftS * 1000 > slo.ttftMs) return false;
  if (slo.tpotMs !== undefined && requestTpotS(r) * 1000 > slo.tpotMs) return false;
  if (slo.e2elMs !== undefined && r.latencyS * 1000 > slo.e2elMs) return false;
  return true;
}
