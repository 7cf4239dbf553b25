// Summaries of V8 .cpuprofile files (node --cpu-prof): self and inclusive time per function and
// per area of the code (answer path, routing, HTTP server, undici, …), and an icicle-style flame
// graph as SVG. Used by bench/profile.ts; runnable alone:
//   tsx bench/lib/cpuprofile.ts FILE.cpuprofile   → prints the summary as JSON
import { readFileSync } from 'node:fs';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/**
 * Where a frame's time is booked. Order matters: the first rule that matches wins. The answer
 * path is split out so its owner can read its share at a glance.
 */
const AREAS: Array<[string, RegExp]> = [
  ['(idle)', /^\(idle\)$/],
  ['(gc)', /^\(garbage collector\)$/],
  ['answer: exchanger', /gateway\/src\/api\/(exchanger|exchange)\./],
  ['answer: tool-call plugin', /gateway\/src\/api\/toolcalls\//],
  ['answer: stream relay', /gateway\/src\/upstream\/(stream-relay|tool-call-deltas|sse)\./],
  ['answer: tool-call engine', /gateway\/src\/toolcalls\//],
  ['answer: ajv', /node_modules\/ajv/],
  ['answer: jsonrepair', /node_modules\/jsonrepair/],
  ['answer: experiments/capture plugins', /gateway\/src\/(experiments|capture)\/|api\/capture-plugin\./],
  [
    'request: body/validate/route',
    /gateway\/src\/(app|server)\.|gateway\/src\/api\/(read-body|validate-request|proxy-route|node-bindings|request-id|auth-middleware|rate-limit-middleware|errors)\./,
  ],
  ['routing', /gateway\/src\/routing\//],
  ['metrics', /node_modules\/prom-client|gateway\/src\/telemetry\/|upstream\/response-meter\./],
  ['otel', /node_modules\/@opentelemetry/],
  ['upstream dispatch', /gateway\/src\/upstream\//],
  ['hono', /node_modules\/(hono|@hono)/],
  ['undici', /node_modules\/undici|node:internal\/deps\/undici/],
  [
    'node http/net/streams',
    /node:(internal\/)?(http|_http|net|stream|streams|internal\/streams|internal\/webstreams|events|timers|internal\/timers|buffer|internal\/buffer|async_hooks|internal\/async_hooks|internal\/process|internal\/perf)/,
  ],
  [
    'node: abort signals, events, URLs, errors',
    /node:internal\/(abort_controller|event_target|url|errors|validators|util|per_context|crypto)/,
  ],
  ['(program)', /^\(program\)$/],
];

/**
 * The guarded JSON parse and the memoized stringify live in toolcalls/ but serve every request
 * (its body, the upstream answer, the router's key), checked or not.
 */
const ANY_REQUEST_JSON = /gateway\/src\/toolcalls\/(safe-json\.js#(parseJson|nestsDeeperThan)|json-once\.js#)/;

export function areaOf(frame: CallFrame): string {
  if (ANY_REQUEST_JSON.test(`${frame.url}#${frame.functionName}`)) return 'request/answer JSON parse, tools key';
  const key = frame.url || frame.functionName;
  for (const [name, re] of AREAS) if (re.test(key)) return name;
  if (!frame.url) return frame.functionName.startsWith('(') ? frame.functionName : 'native/builtin';
  return 'other';
}

const label = (f: CallFrame) =>
  `${f.functionName || '(anonymous)'} ${f.url.replace(/^.*?(node_modules\/|gateway\/|loadtest\/|node:)/, '$1')}:${f.lineNumber + 1}`;

export interface ProfileSummary {
  totalMs: number;
  /** Time not idle (what the process spent working). */
  busyMs: number;
  areas: Array<{ area: string; selfMs: number; selfPctOfBusy: number }>;
  /** Inclusive time of the answer path's entry points, as a share of busy time. */
  topSelf: Array<{ fn: string; area: string; selfMs: number; pctOfBusy: number }>;
  topInclusive: Array<{ fn: string; area: string; totalMs: number; pctOfBusy: number }>;
}

/** The samples between `fromMs` and `toMs` after the profile started (drops start-up, warm-up, shutdown). */
export function trimProfile(p: CpuProfile, fromMs: number, toMs = Infinity): CpuProfile {
  const samples: number[] = [];
  const timeDeltas: number[] = [];
  let t = 0;
  for (let i = 0; i < p.samples.length; i++) {
    t += p.timeDeltas[i] ?? 0;
    if (t / 1000 < fromMs || t / 1000 > toMs) continue;
    samples.push(p.samples[i]!);
    timeDeltas.push(samples.length === 1 ? 0 : (p.timeDeltas[i] ?? 0));
  }
  return { ...p, samples, timeDeltas };
}

function selfTimes(p: CpuProfile): Map<number, number> {
  const self = new Map<number, number>();
  for (let i = 0; i < p.samples.length; i++)
    self.set(p.samples[i]!, (self.get(p.samples[i]!) ?? 0) + (p.timeDeltas[i] ?? 0) / 1000);
  return self;
}

export function summarize(p: CpuProfile, top = 30): ProfileSummary {
  const self = selfTimes(p);
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const totalMs = [...self.values()].reduce((a, b) => a + b, 0);
  const areaSelf = new Map<string, number>();
  const fnSelf = new Map<string, { area: string; ms: number }>();
  const fnTotal = new Map<string, { area: string; ms: number }>();
  for (const [id, ms] of self) {
    const node = byId.get(id)!;
    const area = areaOf(node.callFrame);
    areaSelf.set(area, (areaSelf.get(area) ?? 0) + ms);
    const key = label(node.callFrame);
    const e = fnSelf.get(key) ?? { area, ms: 0 };
    e.ms += ms;
    fnSelf.set(key, e);
    // Inclusive: book the sample once on each distinct function up the stack.
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const f = byId.get(cur)!.callFrame;
      const k = label(f);
      if (seen.has(k)) continue;
      seen.add(k);
      const t = fnTotal.get(k) ?? { area: areaOf(f), ms: 0 };
      t.ms += ms;
      fnTotal.set(k, t);
    }
  }
  const idle = areaSelf.get('(idle)') ?? 0;
  const busyMs = totalMs - idle;
  const pct = (ms: number) => Math.round((1000 * ms) / Math.max(busyMs, 1e-9)) / 10;
  const round = (ms: number) => Math.round(ms * 10) / 10;
  return {
    totalMs: round(totalMs),
    busyMs: round(busyMs),
    areas: [...areaSelf]
      .filter(([a]) => a !== '(idle)')
      .sort((a, b) => b[1] - a[1])
      .map(([area, ms]) => ({ area, selfMs: round(ms), selfPctOfBusy: pct(ms) })),
    topSelf: [...fnSelf]
      .filter(([, v]) => v.area !== '(idle)')
      .sort((a, b) => b[1].ms - a[1].ms)
      .slice(0, top)
      .map(([fn, v]) => ({ fn, area: v.area, selfMs: round(v.ms), pctOfBusy: pct(v.ms) })),
    topInclusive: [...fnTotal]
      .filter(([fn, v]) => v.area !== '(idle)' && !fn.startsWith('(root)'))
      .sort((a, b) => b[1].ms - a[1].ms)
      .slice(0, top * 2)
      .map(([fn, v]) => ({ fn, area: v.area, totalMs: round(v.ms), pctOfBusy: pct(v.ms) })),
  };
}

/** An icicle flame graph (root at the top) of the busy samples, merged by function. */
export function flameSvg(p: CpuProfile, title: string, width = 1600): string {
  interface Frame {
    name: string;
    area: string;
    ms: number;
    children: Map<string, Frame>;
  }
  const self = selfTimes(p);
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const root: Frame = { name: 'all (busy)', area: '', ms: 0, children: new Map() };
  const walk = (id: number, into: Frame): number => {
    const node = byId.get(id)!;
    const f = node.callFrame;
    if (f.functionName === '(idle)') return 0;
    const name = label(f);
    let frame = into.children.get(name);
    if (!frame) into.children.set(name, (frame = { name, area: areaOf(f), ms: 0, children: new Map() }));
    let ms = self.get(id) ?? 0;
    for (const c of node.children ?? []) ms += walk(c, frame);
    frame.ms += ms;
    return ms;
  };
  const rootNode = p.nodes[0]!;
  for (const c of rootNode.children ?? []) root.ms += walk(c, root);
  const rowH = 16;
  const rects: string[] = [];
  let depthMax = 0;
  const colour = (area: string) => {
    if (area.startsWith('answer')) return '#e8743b';
    if (area === 'routing' || area.startsWith('request')) return '#4c9be8';
    if (area === 'metrics' || area === 'otel') return '#b05fd1';
    if (area === 'undici' || area === 'upstream dispatch') return '#3bb273';
    if (area === 'hono' || area.startsWith('node')) return '#9aa5b1';
    if (area === '(gc)') return '#d64545';
    return '#c8b560';
  };
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const draw = (f: Frame, x: number, depth: number) => {
    const w = (f.ms / Math.max(root.ms, 1e-9)) * width;
    if (w < 0.5) return;
    depthMax = Math.max(depthMax, depth);
    const pct = ((100 * f.ms) / Math.max(root.ms, 1e-9)).toFixed(1);
    const text =
      w > 40
        ? `<text x="${(x + 3).toFixed(1)}" y="${depth * rowH + 28 + 12}" clip-path="inset(0 0 0 0)">${esc(f.name.slice(0, Math.floor(w / 6.5)))}</text>`
        : '';
    rects.push(
      `<g><title>${esc(f.name)} — ${f.ms.toFixed(1)} ms (${pct}%) [${esc(f.area)}]</title><rect x="${x.toFixed(1)}" y="${depth * rowH + 28}" width="${w.toFixed(1)}" height="${rowH - 1}" fill="${colour(f.area)}"/>${text}</g>`,
    );
    let cx = x;
    for (const c of [...f.children.values()].sort((a, b) => b.ms - a.ms)) {
      draw(c, cx, depth + 1);
      cx += (c.ms / Math.max(root.ms, 1e-9)) * width;
    }
  };
  draw(root, 0, 0);
  const height = (depthMax + 1) * rowH + 40;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="monospace" font-size="11">
<text x="4" y="18" font-size="14">${esc(title)} — orange: answer path, blue: request/routing, purple: metrics/otel, green: undici, grey: hono/node, red: gc</text>
${rects.join('\n')}
</svg>
`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const p = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as CpuProfile;
  process.stdout.write(JSON.stringify(summarize(p), null, 2) + '\n');
}
