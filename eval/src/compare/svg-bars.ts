// Hand-written SVG grouped bar chart (no chart library): one group per metric/category, one bar
// per run, values in [0, 1] drawn as percentages. Self-contained, so it embeds in HTML and
// renders on its own in Markdown viewers.
export interface BarChart {
  title: string;
  groups: string[];
  series: { name: string; values: (number | null)[] }[];
}

const PALETTE = [
  '#4e79a7',
  '#f28e2b',
  '#59a14f',
  '#e15759',
  '#76b7b2',
  '#edc948',
  '#b07aa1',
  '#ff9da7',
  '#9c755f',
  '#bab0ac',
];

export const escapeXml = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

export function renderBarChart(chart: BarChart): string {
  const n = chart.series.length;
  const barW = 14;
  const gap = 18;
  const groupW = Math.max(1, n) * barW + gap;
  const left = 48;
  const top = 40;
  const plotH = 220;
  const legendH = 18 * Math.ceil(n / 3) + 8;
  const width = Math.max(360, left + chart.groups.length * groupW + 90); // room for the last rotated label
  const height = top + plotH + 90 + legendH;
  const y = (v: number): number => top + plotH - v * plotH;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<title>${escapeXml(chart.title)}</title>`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="${left}" y="20" font-size="14" font-weight="bold">${escapeXml(chart.title)}</text>`,
  ];
  for (let t = 0; t <= 4; t++) {
    const v = t / 4;
    parts.push(`<line x1="${left}" x2="${width - 10}" y1="${y(v)}" y2="${y(v)}" stroke="#ddd"/>`);
    parts.push(`<text x="${left - 6}" y="${y(v) + 4}" text-anchor="end" fill="#555">${v * 100}%</text>`);
  }
  chart.groups.forEach((g, gi) => {
    const x0 = left + gi * groupW + gap / 2;
    chart.series.forEach((s, si) => {
      const v = s.values[gi];
      const x = x0 + si * barW;
      if (v === null || v === undefined) {
        parts.push(`<text x="${x + barW / 2}" y="${y(0) - 3}" text-anchor="middle" fill="#999">–</text>`);
        return;
      }
      const clamped = Math.max(0, Math.min(1, v));
      parts.push(
        `<rect x="${x}" y="${y(clamped)}" width="${barW - 2}" height="${Math.max(0.5, clamped * plotH)}" fill="${PALETTE[si % PALETTE.length]}">` +
          `<title>${escapeXml(`${s.name} — ${g}: ${(100 * v).toFixed(1)}%`)}</title></rect>`,
      );
    });
    const cx = x0 + (n * barW) / 2;
    parts.push(`<text transform="translate(${cx},${top + plotH + 12}) rotate(35)" fill="#333">${escapeXml(g)}</text>`);
  });
  parts.push(`<line x1="${left}" x2="${width - 10}" y1="${y(0)}" y2="${y(0)}" stroke="#333"/>`);
  chart.series.forEach((s, si) => {
    const lx = left + (si % 3) * 180;
    const ly = top + plotH + 90 + 18 * Math.floor(si / 3);
    parts.push(`<rect x="${lx}" y="${ly - 9}" width="10" height="10" fill="${PALETTE[si % PALETTE.length]}"/>`);
    parts.push(`<text x="${lx + 14}" y="${ly}">${escapeXml(s.name)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}
