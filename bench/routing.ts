// npm run bench:routing — what the routing policy buys on a prefix-caching engine. Four simulated
// vLLM pods (own process, calibrated Qwen3-0.6B/H200 profile slowed down SCALE× so that a 2-core
// machine can drive them at ~70% utilization, with a KV cache too small to hold every tenant's
// prefix), a gateway (own process) per policy, and a client here sending Poisson arrivals of
// multi-turn conversations from 40 tenants (system prompt + 1–3 tools, 1–3k tokens). Two
// workloads: uniform tenants, and skewed (one tenant sends half the traffic). Figures: prefix-cache
// hit rate from the pods' own vllm:prefix_cache_* counters, TTFT p50/p95 at the client, and pod
// load imbalance (max/mean of running+waiting, sampled). Env: SCALE (default 20), DURATION_S
// (per run, default 20), RATE (req/s; default 70% of the pods' uncached prefill capacity), SEED.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort, REPO_ROOT, spawnToolgate, stopProcess, waitForHttp } from '../gateway/test/helpers/net.js';
import { countTokens } from '../loadtest/src/sim/tokenizer.js';

const SCALE = Number(process.env.SCALE ?? 20);
const DURATION_S = Number(process.env.DURATION_S ?? 20);
const SEED = Number(process.env.SEED ?? 1);
const PODS = 4;
const TENANTS = 40;
const MAX_TOKENS = 24;
const MODEL = 'Qwen/Qwen3-0.6B';
// Scaled H200 profile (loadtest/src/sim/profiles/qwen3-0.6b-h200.json): every cost × SCALE; KV
// cache of 2500 blocks × 16 = 40k tokens per pod, i.e. ~15 tenant prefixes of ~2k tokens.
const PROFILE = {
  base: 'qwen3-0.6b-h200',
  decodeBaseMs: 2.4 * SCALE,
  decodePerSeqMs: 0.03 * SCALE,
  decodePerKvTokenMs: 0.000133 * SCALE,
  prefillTokensPerSecond: 190_000 / SCALE,
  numGpuBlocks: 2500,
  blockSize: 16,
};
const POLICIES = [
  { label: 'round_robin', policy: { type: 'round_robin' } },
  { label: 'least_loaded', policy: { type: 'least_loaded' } },
  { label: 'prefix_unbounded', policy: { type: 'prefix', bounded: false } },
  { label: 'prefix_bounded', policy: { type: 'prefix', epsilon: 0.25 } },
] as const;

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const WORDS =
  'account order refund policy shipping invoice customer product warranty return status update payment address delivery support ticket escalate verify identity billing plan upgrade cancel schedule'.split(
    ' ',
  );
const words = (r: () => number, n: number) =>
  Array.from({ length: n }, () => WORDS[Math.floor(r() * WORDS.length)]).join(' ');

interface Tenant {
  system: string;
  tools: unknown[];
}
function makeTenants(r: () => number): Tenant[] {
  return Array.from({ length: TENANTS }, (_, t) => ({
    system: `You are the assistant of tenant ${t}. ${words(r, 700 + Math.floor(r() * 1800))}`,
    tools: Array.from({ length: 1 + Math.floor(r() * 3) }, (_, k) => ({
      type: 'function',
      function: {
        name: `t${t}_tool${k}`,
        description: words(r, 60),
        parameters: {
          type: 'object',
          properties: { id: { type: 'string', description: words(r, 20) } },
          required: ['id'],
        },
      },
    })),
  }));
}

interface Conversation {
  tenant: number;
  messages: Array<{ role: string; content: string }>;
  busy: boolean;
  turns: number;
}
const quantile = (xs: number[], q: number) => {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
};
function metric(text: string, name: string): number {
  let sum = 0;
  for (const line of text.split('\n'))
    if (line.startsWith(name + '{') || line.startsWith(name + ' '))
      sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  return sum;
}

async function runOne(label: string, policy: object, skewed: boolean, tenants: Tenant[], rate: number, dir: string) {
  const { sim, pods } = await startPods(dir);
  const gwPort = await freePort();
  const cfgFile = path.join(dir, `gw-${label}.json`);
  writeFileSync(
    cfgFile,
    JSON.stringify({
      server: { host: '127.0.0.1', port: gwPort },
      pools: { default: { backends: pods.map((url) => ({ url })), policy } },
    }),
  );
  const gw = spawnToolgate(['serve', '--config', cfgFile], { LOG_LEVEL: 'warn' });
  const gwUrl = `http://127.0.0.1:${gwPort}`;
  await waitForHttp(`${gwUrl}/ready`, 30_000);

  const r = rng(SEED + (skewed ? 1000 : 0));
  const convs: Conversation[] = [];
  const ttfts: number[] = [];
  let errors = 0;
  const imbalance: number[] = [];
  const sampler = setInterval(() => {
    void Promise.all(
      pods.map(async (u) => {
        const t = await (await fetch(`${u}/metrics`)).text();
        return metric(t, 'vllm:num_requests_running') + metric(t, 'vllm:num_requests_waiting');
      }),
    ).then(
      (loads) => {
        const mean = loads.reduce((a, b) => a + b, 0) / loads.length;
        if (mean > 0) imbalance.push(Math.max(...loads) / mean);
      },
      () => undefined,
    );
  }, 250);

  const send = async (c: Conversation) => {
    c.busy = true;
    const t = tenants[c.tenant]!;
    const started = performance.now();
    try {
      const res = await fetch(`${gwUrl}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          model: MODEL,
          stream: true,
          max_tokens: MAX_TOKENS,
          tools: t.tools,
          messages: [{ role: 'system', content: t.system }, ...c.messages],
        }),
      });
      const reader = res.body!.getReader();
      let first = true;
      for (;;) {
        const { done } = await reader.read();
        if (done) break;
        if (first) {
          ttfts.push(performance.now() - started);
          first = false;
        }
      }
      if (res.status !== 200) errors++;
    } catch {
      errors++;
    }
    c.messages.push({ role: 'assistant', content: `Done for ${words(r, 12)}` });
    c.turns++;
    c.busy = false;
  };

  const inflight: Promise<void>[] = [];
  const end = performance.now() + DURATION_S * 1000;
  let next = performance.now();
  while (next < end) {
    next += (-Math.log(1 - r()) / rate) * 1000;
    await new Promise((res) => setTimeout(res, Math.max(0, next - performance.now())));
    const idle = convs.filter((c) => !c.busy && c.turns < 4);
    let c: Conversation;
    if (idle.length > 0 && r() < 0.5) c = idle[Math.floor(r() * idle.length)]!;
    else {
      const tenant = skewed && r() < 0.5 ? 0 : Math.floor(r() * TENANTS);
      c = { tenant, messages: [], busy: false, turns: 0 };
      convs.push(c);
    }
    c.messages.push({ role: 'user', content: `Question ${c.turns + 1}: ${words(r, 30)}` });
    inflight.push(send(c));
  }
  await Promise.all(inflight);
  clearInterval(sampler);
  const texts = await Promise.all(pods.map(async (u) => (await fetch(`${u}/metrics`)).text()));
  const hits = texts.reduce((s, t) => s + metric(t, 'vllm:prefix_cache_hits_total'), 0);
  const queries = texts.reduce((s, t) => s + metric(t, 'vllm:prefix_cache_queries_total'), 0);
  const perPod = texts.map((t) => metric(t, 'vllm:request_success_total'));
  await stopProcess(gw);
  await stopProcess(sim);
  const meanPod = perPod.reduce((a, b) => a + b, 0) / PODS;
  return {
    policy: label,
    requests: ttfts.length,
    errors,
    prefixCacheHitRate: queries > 0 ? hits / queries : 0,
    ttftMs: { p50: quantile(ttfts, 0.5), p95: quantile(ttfts, 0.95) },
    podLoadMaxOverMean: imbalance.length ? imbalance.reduce((a, b) => a + b, 0) / imbalance.length : 0,
    requestsPerPod: perPod,
    requestsMaxOverMean: meanPod > 0 ? Math.max(...perPod) / meanPod : 0,
  };
}

/** The sim CLI takes consecutive ports from a free one; one of them may be taken: try another. */
async function startPods(dir: string) {
  const profileFile = path.join(dir, 'profile.json');
  writeFileSync(profileFile, JSON.stringify(PROFILE));
  for (let attempt = 1; ; attempt++) {
    const simPort = await freePort();
    const sim = spawnToolgate(
      [
        'sim',
        '--port',
        String(simPort),
        '--pods',
        String(PODS),
        '--profile',
        profileFile,
        '--max-model-len',
        '16384',
        '--seed',
        String(SEED),
      ],
      { LOG_LEVEL: 'warn' },
    );
    const pods = Array.from({ length: PODS }, (_, i) => `http://127.0.0.1:${simPort + i}`);
    try {
      await Promise.all(pods.map((u) => waitForHttp(`${u}/health`, 20_000)));
      return { sim, pods };
    } catch (err) {
      await stopProcess(sim, 'SIGKILL');
      if (attempt >= 3) throw new Error(`simulator did not start: ${String(err)}\n${sim.output()}`);
      process.stderr.write(
        `simulator start failed (attempt ${attempt}), retrying on other ports: ${sim.output().slice(-300)}\n`,
      );
    }
  }
}

type Row = Awaited<ReturnType<typeof runOne>>;
function chart(results: Record<string, Row[]>): string {
  const panels = [
    {
      title: 'prefix-cache hit rate',
      get: (x: Row) => x.prefixCacheHitRate,
      fmt: (v: number) => `${(v * 100).toFixed(0)}%`,
    },
    { title: 'TTFT p95 (ms)', get: (x: Row) => x.ttftMs.p95, fmt: (v: number) => v.toFixed(0) },
    { title: 'pod load max/mean', get: (x: Row) => x.podLoadMaxOverMean, fmt: (v: number) => v.toFixed(2) },
  ];
  const colors = ['#9e9e9e', '#5c6bc0', '#ffa726', '#2e7d32'];
  const W = 300,
    H = 220,
    workloads = Object.keys(results);
  let svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${W * panels.length}" height="${H + 40}" font-family="sans-serif" font-size="11">`;
  panels.forEach((p, pi) => {
    const x0 = pi * W + 30;
    const max = Math.max(...workloads.flatMap((w) => results[w]!.map(p.get)), 1e-9);
    svg += `<text x="${x0}" y="14" font-size="13" font-weight="bold">${p.title}</text>`;
    workloads.forEach((w, wi) => {
      const gx = x0 + wi * 130;
      svg += `<text x="${gx + 50}" y="${H + 14}" text-anchor="middle">${w}</text>`;
      results[w]!.forEach((row, ri) => {
        const v = p.get(row),
          h = (v / max) * (H - 50),
          x = gx + ri * 26,
          y = H - h;
        svg += `<rect x="${x}" y="${y}" width="22" height="${h}" fill="${colors[ri]}"/><text x="${x + 11}" y="${y - 3}" text-anchor="middle" font-size="9">${p.fmt(v)}</text>`;
      });
    });
  });
  POLICIES.forEach(
    (p, i) =>
      (svg += `<rect x="${30 + i * 150}" y="${H + 24}" width="10" height="10" fill="${colors[i]}"/><text x="${44 + i * 150}" y="${H + 33}">${p.label}</text>`),
  );
  return svg + '</svg>\n';
}

async function main() {
  const tenants = makeTenants(rng(SEED));
  const avgPrompt = tenants.reduce((s, t) => s + countTokens(t.system + JSON.stringify(t.tools)), 0) / TENANTS + 80;
  const capacity = (PODS * PROFILE.prefillTokensPerSecond) / avgPrompt; // uncached prefill, req/s
  const rate = Number(process.env.RATE ?? (0.7 * capacity).toFixed(2));
  const dir = mkdtempSync(path.join(tmpdir(), 'toolgate-bench-routing-'));
  const results: Record<string, Row[]> = { uniform: [], skewed: [] };
  for (const workload of ['uniform', 'skewed'] as const) {
    for (const p of POLICIES) {
      const row = await runOne(p.label, p.policy, workload === 'skewed', tenants, rate, dir);
      results[workload]!.push(row);
      process.stderr.write(
        `${workload} ${p.label}: hit ${(row.prefixCacheHitRate * 100).toFixed(1)}% ttft p50 ${row.ttftMs.p50.toFixed(0)} p95 ${row.ttftMs.p95.toFixed(0)} ms, load max/mean ${row.podLoadMaxOverMean.toFixed(2)}, errors ${row.errors}\n`,
      );
    }
  }
  const get = (w: string, l: string) => results[w]!.find((x) => x.policy === l)!;
  const aims = {
    hitRateBoundedOverRoundRobin: {
      uniform:
        get('uniform', 'prefix_bounded').prefixCacheHitRate /
        Math.max(1e-9, get('uniform', 'round_robin').prefixCacheHitRate),
      skewed:
        get('skewed', 'prefix_bounded').prefixCacheHitRate /
        Math.max(1e-9, get('skewed', 'round_robin').prefixCacheHitRate),
    },
    lowestP95InSkewed:
      results.skewed!.reduce((a, b) => (b.ttftMs.p95 < a.ttftMs.p95 ? b : a)).policy === 'prefix_bounded',
  };
  const out = {
    benchmark: 'routing',
    when: new Date().toISOString(),
    setup: {
      pods: PODS,
      tenants: TENANTS,
      avgPromptTokens: Math.round(avgPrompt),
      maxTokens: MAX_TOKENS,
      rateRps: rate,
      utilizationTarget: 0.7,
      durationS: DURATION_S,
      scale: SCALE,
      profile: PROFILE,
      seed: SEED,
      turnsPerConversation: '1-4',
      skew: 'tenant 0 sends 50% of new conversations',
    },
    results,
    aims,
  };
  const resultsDir = path.join(REPO_ROOT, 'bench/results');
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(path.join(resultsDir, 'routing.json'), JSON.stringify(out, null, 2) + '\n');
  writeFileSync(path.join(resultsDir, 'routing.svg'), chart(results));
  process.stdout.write(JSON.stringify(aims, null, 2) + '\n');
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:routing failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
