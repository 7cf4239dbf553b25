// npm run bench:overhead — the latency and throughput the gateway adds. The same load goes to a
// simulator pod directly and through the gateway in one run (each in its own process, as in
// production), non-streaming and streaming, without tools and then with one tool (every answer's
// calls checked, the default policy); results in bench/results/overhead.json. The gateway's own
// overhead histogram is also read for the tool modes alone, during the open loop at RATE (what the
// "≤ 0.25 ms p99 with checking on" aim, like the other aims, is about) and, reported apart, during
// the closed loop at saturation.
// Env: RATE (req/s, default 1000), COUNT (per open-loop phase, default 5000),
//      CONCURRENCY (closed loop, default 64), TOTAL (closed-loop requests, default 20000).
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { freePort, REPO_ROOT, spawnToolgate, stopProcess, waitForHttp } from '../gateway/test/helpers/net.js';
import { closedLoop, openLoop, summarize } from './lib/load.js';

const RATE = Number(process.env.RATE ?? 1000);
const COUNT = Number(process.env.COUNT ?? 5000);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 64);
const TOTAL = Number(process.env.TOTAL ?? 20000);
const MODEL = 'Qwen/Qwen3-0.6B';

async function main() {
  const simPort = await freePort();
  const gwPort = await freePort();
  const sim = spawnToolgate(
    ['sim', '--port', String(simPort), '--pods', '1', '--profile', 'fixed', '--ttft-ms', '0', '--itl-ms', '0'],
    { LOG_LEVEL: 'warn' },
  );
  await waitForHttp(`http://127.0.0.1:${simPort}/health`);
  const gw = spawnToolgate(
    ['serve', '--port', String(gwPort), '--host', '127.0.0.1', '--upstream', `http://127.0.0.1:${simPort}`],
    { LOG_LEVEL: 'warn' },
  );
  await waitForHttp(`http://127.0.0.1:${gwPort}/ready`);
  const direct = `http://127.0.0.1:${simPort}`;
  const viaGw = `http://127.0.0.1:${gwPort}`;

  const weather = [
    {
      type: 'function',
      function: {
        name: 'get_weather',
        parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
      },
    },
  ];
  const ask = [{ role: 'user', content: 'What is the weather in Paris?' }];
  const bodies = {
    nonStream: JSON.stringify({ model: MODEL, max_tokens: 8, messages: [{ role: 'user', content: 'ping' }] }),
    stream: JSON.stringify({
      model: MODEL,
      max_tokens: 8,
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'ping' }],
    }),
    toolsNonStream: JSON.stringify({ model: MODEL, max_tokens: 64, tools: weather, messages: ask }),
    toolsStream: JSON.stringify({
      model: MODEL,
      max_tokens: 64,
      stream: true,
      stream_options: { include_usage: true },
      tools: weather,
      messages: ask,
    }),
  };
  const p = '/v1/chat/completions';
  // Warm both paths (JIT, keep-alive pools).
  await closedLoop(direct, p, bodies.nonStream, 16, 2000);
  await closedLoop(viaGw, p, bodies.nonStream, 16, 2000);

  const results: Record<string, unknown> = {};
  // The gateway's own histogram, split by load shape for the tool modes (checking on): the open
  // loop at RATE (the aims' `atRate`) and the closed loop at saturation, where receipt → dispatch
  // also holds the wait behind the other CONCURRENCY - 1 requests in the event loop.
  const scrape = async () => overheadBuckets(await (await fetch(`${viaGw}/metrics`)).text());
  const atRate = new Map<string, Array<[number, number]>>();
  const atSaturation = new Map<string, Array<[number, number]>>();
  const measured = async <T>(into: Map<string, Array<[number, number]>> | null, run: () => Promise<T>) => {
    const before = into ? await scrape() : null;
    const out = await run();
    if (into && before) add(into, minus(await scrape(), before));
    return out;
  };
  for (const mode of ['nonStream', 'stream', 'toolsNonStream', 'toolsStream'] as const) {
    const tools = mode === 'toolsNonStream' || mode === 'toolsStream';
    // Interleave halves so drift on a noisy machine hits both sides equally.
    const half = Math.floor(COUNT / 2);
    const d1 = await openLoop(direct, p, bodies[mode], RATE, half);
    const g1 = await measured(tools ? atRate : null, () => openLoop(viaGw, p, bodies[mode], RATE, half));
    const d2 = await openLoop(direct, p, bodies[mode], RATE, half);
    const g2 = await measured(tools ? atRate : null, () => openLoop(viaGw, p, bodies[mode], RATE, half));
    const d = summarize([...d1.latenciesMs, ...d2.latenciesMs]);
    const g = summarize([...g1.latenciesMs, ...g2.latenciesMs]);
    const dt = await closedLoop(direct, p, bodies[mode], CONCURRENCY, TOTAL);
    const gt = await measured(tools ? atSaturation : null, () =>
      closedLoop(viaGw, p, bodies[mode], CONCURRENCY, TOTAL),
    );
    const directRps = (dt.latenciesMs.length / dt.wallMs) * 1000;
    const gatewayRps = (gt.latenciesMs.length / gt.wallMs) * 1000;
    results[mode] = {
      openLoop: {
        rate: RATE,
        requests: COUNT,
        direct: d,
        gateway: g,
        addedP50Ms: g.p50 - d.p50,
        addedP99Ms: g.p99 - d.p99,
        errors: { direct: d1.errors + d2.errors, gateway: g1.errors + g2.errors },
      },
      closedLoop: {
        concurrency: CONCURRENCY,
        requests: TOTAL,
        directRps,
        gatewayRps,
        throughputRatio: gatewayRps / directRps,
        errors: { direct: dt.errors, gateway: gt.errors },
      },
    };
    process.stderr.write(
      `${mode}: added p50 ${(g.p50 - d.p50).toFixed(3)} ms, p99 ${(g.p99 - d.p99).toFixed(3)} ms; throughput ratio ${(gatewayRps / directRps).toFixed(3)}\n`,
    );
  }
  // What the gateway measures of itself (receipt → dispatch, and relay work), from its histogram:
  // over the whole run, and over the tool modes alone (checking on) by load shape.
  const selfReported = quantiles(await scrape());
  const checkingOn = quantiles(atRate);
  const checkingOnAtSaturation = quantiles(atSaturation);
  await stopProcess(gw);
  await stopProcess(sim);

  const out = {
    benchmark: 'overhead',
    date: new Date().toISOString(),
    machine: { cpus: (await import('node:os')).cpus().length, node: process.version },
    aims: { addedP50Ms: 0.5, addedP99Ms: 2, atRate: 1000, selfReportedP99MsCheckingOn: 0.25 },
    results,
    gatewaySelfReportedOverheadMs: selfReported,
    gatewaySelfReportedOverheadMsCheckingOn: checkingOn,
    gatewaySelfReportedOverheadMsCheckingOnAtSaturation: checkingOnAtSaturation,
    selfReportedAimMet: Object.values(checkingOn).every((q) => q.p99Ms <= 0.25),
  };
  const dir = path.join(REPO_ROOT, 'bench/results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'overhead.json'), JSON.stringify(out, null, 2) + '\n');
  process.stdout.write(JSON.stringify(out, null, 2) + '\n');
}

/** Cumulative bucket counts per phase of toolgate_gateway_overhead_seconds: [le, count] sorted by le. */
function overheadBuckets(text: string): Map<string, Array<[number, number]>> {
  const byPhase = new Map<string, Array<[number, number]>>();
  for (const line of text.split('\n')) {
    const m = /^toolgate_gateway_overhead_seconds_bucket\{le="([^"]+)",phase="([^"]+)"\} (\S+)$/.exec(line);
    if (!m) continue;
    const list = byPhase.get(m[2]!) ?? [];
    list.push([m[1] === '+Inf' ? Infinity : Number(m[1]), Number(m[3])]);
    byPhase.set(m[2]!, list);
  }
  for (const list of byPhase.values()) list.sort((a, b) => a[0] - b[0]);
  return byPhase;
}

/** The counts of `after` that arrived after `before` was read. */
function minus(
  after: Map<string, Array<[number, number]>>,
  before: Map<string, Array<[number, number]>>,
): Map<string, Array<[number, number]>> {
  const out = new Map<string, Array<[number, number]>>();
  for (const [phase, buckets] of after) {
    const prev = new Map(before.get(phase) ?? []);
    out.set(
      phase,
      buckets.map(([le, c]) => [le, c - (prev.get(le) ?? 0)]),
    );
  }
  return out;
}

/** Adds `more`'s per-phase bucket counts into `into`. */
function add(into: Map<string, Array<[number, number]>>, more: Map<string, Array<[number, number]>>): void {
  for (const [phase, buckets] of more) {
    const have = into.get(phase);
    into.set(phase, have ? have.map(([le, c], i) => [le, c + (buckets[i]?.[1] ?? 0)]) : buckets);
  }
}

/** p50/p99 (ms) per phase, interpolated within buckets. */
function quantiles(
  byPhase: Map<string, Array<[number, number]>>,
): Record<string, { count: number; p50Ms: number; p99Ms: number }> {
  const out: Record<string, { count: number; p50Ms: number; p99Ms: number }> = {};
  for (const [phase, buckets] of byPhase) {
    const count = buckets.at(-1)![1];
    const q = (p: number) => {
      const rank = p * count;
      let prevLe = 0;
      let prevCount = 0;
      for (const [le, c] of buckets) {
        if (c >= rank)
          return le === Infinity
            ? prevLe * 1000
            : (prevLe + ((le - prevLe) * (rank - prevCount)) / Math.max(1, c - prevCount)) * 1000;
        prevLe = le;
        prevCount = c;
      }
      return NaN;
    };
    out[phase] = { count, p50Ms: q(0.5), p99Ms: q(0.99) };
  }
  return out;
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:overhead failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
