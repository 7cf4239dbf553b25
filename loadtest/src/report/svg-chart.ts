// Hand-written SVG line charts (no JS, no external CSS or fonts) so report.html is one
// self-contained file that renders anywhere, including headless Chromium in CI.

export interface Point {
  x: number;
  y: number;
  /** Short text drawn beside the point (e.g. the concurrency on a latency–throughput curve). */
  label?: string;
}

export interface Series {
  name: string;
  points: Point[];
}

export interface ChartSpec {
  id: string;
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  /** Log₂ x axis (concurrency doubles along the matrix). */
  xLog2?: boolean;
  /** A dashed horizontal reference line, e.g. the TTFT target. */
  hLine?: { y: number; label: string };
  width?: number;
  height?: number;
}

const PALETTE = [
  '#1f77b4',
  '#d62728',
  '#2ca02c',
  '#9467bd',
  '#ff7f0e',
  '#17becf',
  '#8c564b',
  '#e377c2',
  '#7f7f7f',
  '#bcbd22',
];

export function escapeXml(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );
}

/** Round-number ticks covering [lo, hi] (the 1–2–5 sequence). */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) hi = lo + 1;
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 5, 10].find((m) => m * mag >= raw) ?? 10) * mag;
  const ticks: number[] = [];
  // Start at or below lo and end at the first tick at or above hi, so the data always fits.
  let t = Math.floor(lo / step) * step;
  for (;;) {
    ticks.push(Number(t.toPrecision(12)));
    if (t >= hi - step * 1e-9) break;
    t += step;
  }
  return ticks;
}

function fmt(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e6) return `${(v / 1e6).toPrecision(3)}M`;
  if (a >= 1e4) return `${(v / 1e3).toPrecision(3)}k`;
  if (a >= 100) return v.toFixed(0);
  return String(Number(v.toPrecision(3)));
}

export function renderLineChart(spec: ChartSpec): string {
  const W = spec.width ?? 640;
  const H = spec.height ?? 360;
  const m = { l: 64, r: 160, t: 36, b: 48 };
  const pw = W - m.l - m.r;
  const ph = H - m.t - m.b;
  const pts = spec.series.flatMap((s) => s.points).filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
  const tx = (x: number) => (spec.xLog2 ? Math.log2(Math.max(x, 1e-9)) : x);

  // Linear axes start at 0 so throughput reads as a proportion; log axes start at the data.
  let xLo = pts.length ? Math.min(spec.xLog2 ? Infinity : 0, ...pts.map((p) => tx(p.x))) : 0;
  let xHi = pts.length ? Math.max(...pts.map((p) => tx(p.x))) : 1;
  if (xHi === xLo) {
    xLo -= 1;
    xHi += 1;
  }
  const yVals = pts.map((p) => p.y).concat(spec.hLine ? [spec.hLine.y] : []);
  const yTicks = niceTicks(0, yVals.length ? Math.max(...yVals) * 1.05 : 1);
  const yHi = yTicks[yTicks.length - 1] as number;
  const sx = (x: number) => m.l + ((tx(x) - xLo) / (xHi - xLo)) * pw;
  const sy = (y: number) => m.t + ph - (y / yHi) * ph;

  const xTicks = spec.xLog2
    ? [...new Set(pts.map((p) => p.x))].sort((a, b) => a - b)
    : niceTicks(xLo, xHi).filter((t) => t >= xLo && t <= xHi);
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart" data-chart="${escapeXml(spec.id)}" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${escapeXml(spec.title)}">`,
  );
  out.push(`<rect x="0" y="0" width="${W}" height="${H}" fill="#fff"/>`);
  out.push(
    `<text x="${W / 2 - m.r / 2}" y="20" text-anchor="middle" font-size="15" font-weight="bold" font-family="sans-serif">${escapeXml(spec.title)}</text>`,
  );
  for (const t of yTicks) {
    const y = sy(t).toFixed(1);
    out.push(`<line x1="${m.l}" x2="${m.l + pw}" y1="${y}" y2="${y}" stroke="#e4e4e4"/>`);
    out.push(
      `<text x="${m.l - 6}" y="${y}" dy="4" text-anchor="end" font-size="11" font-family="sans-serif">${fmt(t)}</text>`,
    );
  }
  for (const t of xTicks) {
    const x = sx(t).toFixed(1);
    out.push(`<line x1="${x}" x2="${x}" y1="${m.t}" y2="${m.t + ph}" stroke="#f0f0f0"/>`);
    out.push(
      `<text x="${x}" y="${m.t + ph + 16}" text-anchor="middle" font-size="11" font-family="sans-serif">${fmt(t)}</text>`,
    );
  }
  out.push(`<rect x="${m.l}" y="${m.t}" width="${pw}" height="${ph}" fill="none" stroke="#888"/>`);
  out.push(
    `<text x="${m.l + pw / 2}" y="${H - 8}" text-anchor="middle" font-size="12" font-family="sans-serif">${escapeXml(spec.xLabel)}</text>`,
  );
  out.push(
    `<text transform="translate(16 ${m.t + ph / 2}) rotate(-90)" text-anchor="middle" font-size="12" font-family="sans-serif">${escapeXml(spec.yLabel)}</text>`,
  );
  if (spec.hLine && spec.hLine.y <= yHi) {
    const y = sy(spec.hLine.y).toFixed(1);
    out.push(
      `<line class="target-line" x1="${m.l}" x2="${m.l + pw}" y1="${y}" y2="${y}" stroke="#555" stroke-dasharray="6 4"/>`,
    );
    out.push(
      `<text x="${m.l + pw - 4}" y="${y}" dy="-4" text-anchor="end" font-size="11" fill="#555" font-family="sans-serif">${escapeXml(spec.hLine.label)}</text>`,
    );
  }
  spec.series.forEach((s, i) => {
    const color = PALETTE[i % PALETTE.length] as string;
    const ps = s.points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
    if (ps.length > 1) {
      const d = ps.map((p, j) => `${j ? 'L' : 'M'}${sx(p.x).toFixed(1)} ${sy(p.y).toFixed(1)}`).join(' ');
      out.push(
        `<path class="series" data-series="${escapeXml(s.name)}" d="${d}" fill="none" stroke="${color}" stroke-width="2"/>`,
      );
    }
    for (const p of ps) {
      out.push(
        `<circle cx="${sx(p.x).toFixed(1)}" cy="${sy(p.y).toFixed(1)}" r="3.5" fill="${color}"><title>${escapeXml(`${s.name}: ${fmt(p.x)}, ${fmt(p.y)}`)}</title></circle>`,
      );
      if (p.label)
        out.push(
          `<text x="${(sx(p.x) + 5).toFixed(1)}" y="${(sy(p.y) - 5).toFixed(1)}" font-size="10" fill="${color}" font-family="sans-serif">${escapeXml(p.label)}</text>`,
        );
    }
    const ly = m.t + 8 + i * 18;
    out.push(`<rect x="${m.l + pw + 12}" y="${ly - 6}" width="14" height="4" fill="${color}"/>`);
    out.push(
      `<text x="${m.l + pw + 32}" y="${ly}" font-size="11" font-family="sans-serif">${escapeXml(s.name)}</text>`,
    );
  });
  if (pts.length === 0)
    out.push(
      `<text x="${m.l + pw / 2}" y="${m.t + ph / 2}" text-anchor="middle" font-size="13" fill="#888" font-family="sans-serif">no successful cells</text>`,
    );
  out.push('</svg>');
  return out.join('\n');
}
