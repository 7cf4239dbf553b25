// Shadow pairs → one A/B summary per (model, primary variant, shadow variant).
import type { PairSide, ShadowPairRecord } from '../../capture/record.js';
import { pairedDelta, wilson, type PairedDelta, type Rate } from './stats.js';

export interface SideSummary {
  variant: string;
  /** Output parsed into tool calls (with or without repair). */
  parseRate: Rate;
  /** Final calls validated against the tool schemas. */
  schemaHitRate: Rate;
  /** Requests that failed outright (outcome 'error'). */
  errors: number;
}

export interface AbSummary {
  model: string;
  pairs: number;
  primary: SideSummary;
  shadow: SideSummary;
  /** Both sides made the same calls. */
  agreement: Rate;
  latency: { ttftMs: PairedDelta | null; e2eMs: PairedDelta | null };
}

export interface AbReport {
  groups: AbSummary[];
  duplicates: number;
}

function side(variant: string, sides: PairSide[]): SideSummary {
  return {
    variant,
    parseRate: wilson(sides.filter((s) => s.parsed).length, sides.length),
    schemaHitRate: wilson(sides.filter((s) => s.schemaValid).length, sides.length),
    errors: sides.filter((s) => s.outcome === 'error').length,
  };
}

const both = (pairs: ShadowPairRecord[], key: 'ttftMs' | 'e2eMs'): [number, number][] =>
  pairs.flatMap((p) => {
    const a = p.primary[key];
    const b = p.shadow[key];
    return typeof a === 'number' && typeof b === 'number' ? [[a, b] as [number, number]] : [];
  });

export function summarizePairs(records: readonly ShadowPairRecord[]): AbReport {
  const seen = new Set<string>();
  let duplicates = 0;
  const groups = new Map<string, ShadowPairRecord[]>();
  for (const r of records) {
    if (seen.has(r.id)) {
      duplicates++;
      continue;
    }
    seen.add(r.id);
    const key = JSON.stringify([r.model, r.primary.variant, r.shadow.variant]);
    const g = groups.get(key);
    if (g) g.push(r);
    else groups.set(key, [r]);
  }
  const out: AbSummary[] = [];
  for (const pairs of groups.values()) {
    const first = pairs[0] as ShadowPairRecord;
    out.push({
      model: first.model,
      pairs: pairs.length,
      primary: side(
        first.primary.variant,
        pairs.map((p) => p.primary),
      ),
      shadow: side(
        first.shadow.variant,
        pairs.map((p) => p.shadow),
      ),
      agreement: wilson(pairs.filter((p) => p.agree).length, pairs.length),
      latency: { ttftMs: pairedDelta(both(pairs, 'ttftMs')), e2eMs: pairedDelta(both(pairs, 'e2eMs')) },
    });
  }
  out.sort(
    (a, b) =>
      a.model.localeCompare(b.model) ||
      a.primary.variant.localeCompare(b.primary.variant) ||
      a.shadow.variant.localeCompare(b.shadow.variant),
  );
  return { groups: out, duplicates };
}
