// <think> regions as Qwen3 writes them: `<think>…</think>`; an unterminated `<think>` runs to the end
// (truncated reasoning); a `</think>` with no opener closes a region that began at the start (the
// chat template put `<think>` in the prompt).

export type Span = [start: number, end: number];

export const THINK_OPEN = '<think>';
export const THINK_CLOSE = '</think>';

export function thinkRegions(text: string): Span[] {
  const regions: Span[] = [];
  let pos = 0;
  const firstOpen = text.indexOf(THINK_OPEN);
  const firstClose = text.indexOf(THINK_CLOSE);
  if (firstClose >= 0 && (firstOpen < 0 || firstClose < firstOpen)) {
    regions.push([0, firstClose + THINK_CLOSE.length]);
    pos = firstClose + THINK_CLOSE.length;
  }
  while (pos < text.length) {
    const open = text.indexOf(THINK_OPEN, pos);
    if (open < 0) break;
    const close = text.indexOf(THINK_CLOSE, open + THINK_OPEN.length);
    if (close < 0) {
      regions.push([open, text.length]);
      break;
    }
    regions.push([open, close + THINK_CLOSE.length]);
    pos = close + THINK_CLOSE.length;
  }
  return regions;
}

/** Copies of `text` with either the think regions or everything else blanked (same length, so spans agree). */
export function maskRegions(text: string, regions: Span[], keepInside: boolean): string {
  if (regions.length === 0) return keepInside ? ' '.repeat(text.length) : text;
  let out = '';
  let pos = 0;
  for (const [s, e] of regions) {
    const before = text.slice(pos, s);
    const inside = text.slice(s, e);
    out += keepInside ? blank(before) : before;
    out += keepInside ? inside : blank(inside);
    pos = e;
  }
  const rest = text.slice(pos);
  return out + (keepInside ? blank(rest) : rest);
}

// keep newlines so line-based detection still sees line starts
const blank = (s: string): string => s.replace(/[^\n]/g, ' ');
