// `toolgate serve --workers 2`: real worker processes behind one port, in front of real simulator
// pods. Every request goes on a fresh connection, so the primary hands consecutive requests to
// different workers; which worker routed what is read from the workers' debug route logs.
// Checked: prefix affinity, the load bound and a conversation's pod after an overflow hold
// across workers; /metrics aggregates every worker; a killed worker is replaced while the
// others serve; SIGTERM drains in-flight requests; the simulator starts once; one shared rate
// limit without Redis; a start-up failure exits instead of restarting forever.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'node:http';
import { createServer, type Server } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startSim, type SimCluster } from '../../../loadtest/src/sim/index.js';
import { freePort, spawnToolgate, stopProcess, waitForHttp } from '../helpers/net.js';

const MODEL = 'Qwen/Qwen3-0.6B';
type Child = ReturnType<typeof spawnToolgate>;

/** One request on its own TCP connection. */
function post(
  url: string,
  body: unknown,
  pathName = '/v1/chat/completions',
): Promise<{ status: number; backend: string; json: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const data = JSON.stringify(body);
    const req = request(
      `${url}${pathName}`,
      {
        method: 'POST',
        agent: false,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            backend: String(res.headers['x-toolgate-backend'] ?? ''),
            json: JSON.parse(text) as Record<string, unknown>,
          }),
        );
      },
    );
    req.on('error', reject);
    req.setTimeout(60_000, () => req.destroy(new Error(`no answer from ${url} within 60 s`)));
    req.end(data);
  });
}

function get(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    request(url, { agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve(text));
    })
      .on('error', reject)
      .end();
  });
}

/** JSON log lines of `msg` printed after `from` (an offset into the output). */
function logLines(child: Child, msg: string, from = 0): Array<Record<string, unknown>> {
  return child
    .output()
    .slice(from)
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((l) => l.msg === msg);
}

async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const sum = (text: string, metric: string) =>
  text
    .split('\n')
    .filter((l) => l.startsWith(`${metric}{`) || l.startsWith(`${metric} `))
    .reduce((s, l) => s + Number(l.split(' ').at(-1)), 0);

async function serveCluster(
  config: Record<string, unknown>,
  env: Record<string, string> = {},
): Promise<{ child: Child; url: string }> {
  const port = await freePort();
  const dir = mkdtempSync(path.join(tmpdir(), 'toolgate-cluster-'));
  const file = path.join(dir, 'gateway.json');
  writeFileSync(file, JSON.stringify({ ...config, server: { host: '127.0.0.1', port, shutdownGraceMs: 3_000 } }));
  const child = spawnToolgate(['serve', '--config', file, '--workers', '2'], { LOG_LEVEL: 'debug', ...env });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForHttp(`${url}/ready`, 90_000);
    await until(
      () => logLines(child, 'gateway listening').some((l) => l.component === 'serve'),
      'all workers ready',
      60_000,
    );
  } catch (err) {
    await stopProcess(child, 'SIGKILL');
    throw new Error(`${(err as Error).message}\n${child.output().slice(-3000)}`);
  }
  return { child, url };
}

const tools = (t: string) => [
  {
    type: 'function',
    function: {
      name: `${t}_lookup`,
      description: `Looks things up for ${t}. `.repeat(8),
      parameters: { type: 'object', properties: { q: { type: 'string' } } },
    },
  },
];
const system = (t: string) => ({
  role: 'system',
  content: `You are the assistant of ${t}. Follow the policies. `.repeat(10),
});
const chatBody = (t: string, messages: unknown[]) => ({
  model: MODEL,
  max_tokens: 4,
  tools: tools(t),
  messages: [system(t), ...messages],
});

describe('serve --workers 2: routing state and metrics shared across workers', () => {
  let sim: SimCluster;
  let gw: { child: Child; url: string };
  let sent = 0;
  const send = async (body: unknown) => {
    const r = await post(gw.url, body);
    expect(r.status).toBe(200);
    sent++;
    return r;
  };

  beforeAll(async () => {
    // Slow enough that three staggered requests overlap.
    sim = await startSim({ port: 0, pods: 2, profile: { kind: 'fixed', ttftMs: 900, itlMs: 1 } });
    gw = await serveCluster({
      upstreams: sim.urls,
      pools: { default: { policy: { type: 'prefix', epsilon: 0.25 } } },
      health: { intervalMs: 60_000 },
    });
  }, 180_000);
  afterAll(async () => {
    if (gw) await stopProcess(gw.child);
    await sim?.close();
  });

  it('sends every request of a tenant to one pod, whichever worker routes it', async () => {
    const from = gw.child.output().length;
    const podOf = new Map<string, Set<string>>();
    for (let round = 0; round < 3; round++) {
      for (let t = 0; t < 4; t++) {
        const { backend } = await send(chatBody(`tenant${t}`, [{ role: 'user', content: `question ${round}` }]));
        podOf.set(`tenant${t}`, (podOf.get(`tenant${t}`) ?? new Set()).add(backend));
      }
    }
    for (const pods of podOf.values()) expect(pods.size).toBe(1);
    const routed = logLines(gw.child, 'route', from);
    expect(routed.length).toBe(12);
    expect(new Set(routed.map((l) => l.worker))).toEqual(new Set([0, 1]));
  });

  it('bounds the load over both workers and keeps an overflowed conversation on its pod', async () => {
    // Three conversations of one hot tenant start 150 ms apart and overlap. With ε = 0.25 over 2
    // pods the third may not join the first two (⌈1.25·3/2⌉ = 2): it overflows — but only if the
    // worker routing it counts the requests its sibling has in flight.
    const firsts = [0, 1, 2].map((i) => [{ role: 'user', content: `conversation ${i}: ${'details '.repeat(60)}` }]);
    const from = gw.child.output().length;
    const turn1 = await Promise.all(
      firsts.map(async (m, i) => (await new Promise((r) => setTimeout(r, 150 * i)), send(chatBody('hot', m)))),
    );
    const routed = logLines(gw.child, 'route', from);
    expect(new Set(routed.map((l) => l.worker)).size).toBe(2);
    expect(turn1[0]!.backend).toBe(turn1[1]!.backend);
    expect(turn1[2]!.backend).not.toBe(turn1[0]!.backend);
    expect(routed.map((l) => l.reason)).toContain('overflow');

    // Its next turns follow it to the pod it overflowed to, on either worker (only one of them
    // made that decision; the other learned it from the memo).
    const next = [
      ...firsts[2]!,
      {
        role: 'assistant',
        content: (turn1[2]!.json.choices as Array<{ message: { content: string } }>)[0]!.message.content,
      },
      { role: 'user', content: 'and then?' },
    ];
    const from2 = gw.child.output().length;
    for (let i = 0; i < 4; i++) expect((await send(chatBody('hot', next))).backend).toBe(turn1[2]!.backend);
    expect(new Set(logLines(gw.child, 'route', from2).map((l) => l.worker))).toEqual(new Set([0, 1]));
  });

  it('serves one /metrics for the whole process, whichever worker answers', async () => {
    const scrapes = [await get(`${gw.url}/metrics`), await get(`${gw.url}/metrics`)];
    for (const text of scrapes) {
      expect(sum(text, 'toolgate_requests_total')).toBe(sent);
      // A gauge every worker reports alike is not added up.
      expect(text).toMatch(/^toolgate_backend_healthy\{[^}]*\} 1$/m);
    }
  });

  it('replaces a killed worker while the other keeps serving', { timeout: 180_000 }, async () => {
    const started = logLines(gw.child, 'worker started');
    const victim = started.find((l) => l.worker === 0)!;
    const from = gw.child.output().length;
    process.kill(Number(victim.pid), 'SIGKILL');
    // (A connection the primary hands over in the instant the worker dies is lost with it — a
    // node:cluster race no client escapes without a timeout — so the test waits for the exit.)
    await until(
      () => logLines(gw.child, 'worker exited; starting a new one', from).length > 0,
      'the primary to see the exit',
    );
    for (let i = 0; i < 6; i++) await send(chatBody('after-crash', [{ role: 'user', content: `q${i}` }]));
    await until(
      () => logLines(gw.child, 'worker started', from).some((l) => l.worker === 0 && l.pid !== victim.pid),
      'a new worker 0',
    );
    await until(
      () => logLines(gw.child, 'gateway listening', from).some((l) => l.worker === 0),
      'the new worker listening',
      60_000,
    );
    expect(logLines(gw.child, 'worker exited; starting a new one', from)[0]).toMatchObject({
      worker: 0,
      signal: 'SIGKILL',
    });
    const from2 = gw.child.output().length;
    for (let i = 0; i < 4; i++) await send(chatBody('after-restart', [{ role: 'user', content: `q${i}` }]));
    expect(new Set(logLines(gw.child, 'route', from2).map((l) => l.worker))).toEqual(new Set([0, 1]));
    // The replacement was told that every worker has started: /ready is 200 whichever answers
    // (a new connection each time, handed to the workers in turn).
    for (let i = 0; i < 6; i++) expect(JSON.parse(await get(`${gw.url}/ready`))).toMatchObject({ status: 'ready' });
  });
});

describe('serve --workers 2: process life', () => {
  let sim: SimCluster;
  beforeAll(async () => {
    sim = await startSim({ port: 0, pods: 1, profile: { kind: 'fixed', ttftMs: 5, itlMs: 1 } });
  });
  afterAll(async () => sim?.close());

  it('answers /ready 200 only once every worker has started (503 `starting` before)', async () => {
    const port = await freePort();
    const dir = mkdtempSync(path.join(tmpdir(), 'toolgate-cluster-'));
    const file = path.join(dir, 'gateway.json');
    writeFileSync(file, JSON.stringify({ upstreams: sim.urls, server: { host: '127.0.0.1', port } }));
    const child = spawnToolgate(['serve', '--config', file, '--workers', '2'], { LOG_LEVEL: 'info' });
    try {
      const early: unknown[] = [];
      let readyAt = 0;
      const deadline = Date.now() + 90_000;
      while (!readyAt) {
        if (Date.now() > deadline) throw new Error(`never ready:\n${child.output()}`);
        const r = await fetch(`http://127.0.0.1:${port}/ready`).catch(() => null);
        if (r?.status === 200) readyAt = Date.now();
        else if (r) early.push(await r.json());
        else await new Promise((res) => setTimeout(res, 5));
      }
      for (const body of early) expect(body).toEqual({ status: 'starting' });
      // The primary logs `gateway listening` when the last worker has started, before it tells the
      // workers so: a 200 earlier than that line came from a process with a worker still starting.
      await until(() => logLines(child, 'gateway listening').some((l) => l.component === 'serve'), 'listening line');
      const listening = logLines(child, 'gateway listening').find((l) => l.component === 'serve')!;
      expect(Date.parse(listening.time as string)).toBeLessThanOrEqual(readyAt);
    } finally {
      await stopProcess(child);
    }
  }, 180_000);

  it('shares one rate limit across workers without Redis', async () => {
    const gw = await serveCluster({ upstreams: sim.urls, rateLimit: { requestsPerMinute: 1, burst: 3 } });
    try {
      const from = gw.child.output().length;
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++)
        statuses.push(
          (await post(gw.url, { model: MODEL, max_tokens: 2, messages: [{ role: 'user', content: `r${i}` }] })).status,
        );
      expect(statuses.filter((s) => s === 200)).toHaveLength(3);
      expect(statuses.filter((s) => s === 429)).toHaveLength(3);
      // Both workers took requests (each alone would have allowed its own burst of 3).
      expect(new Set(logLines(gw.child, 'route', from).map((l) => l.worker))).toEqual(new Set([0, 1]));
    } finally {
      await stopProcess(gw.child);
    }
  }, 180_000);

  it('starts the built-in simulator once; on SIGTERM finishes in-flight requests, then every process exits 0', async () => {
    const gw = await serveCluster({});
    expect(logLines(gw.child, 'no upstreams configured: started the built-in vLLM simulator')).toHaveLength(1);
    expect(gw.child.output().split('Toolgate is ready at').length - 1).toBe(1);
    // Both workers route to the same two simulated pods.
    expect(
      logLines(gw.child, 'gateway listening')
        .filter((l) => l.component === 'gateway')
        .map((l) => (l.backends as string[]).length),
    ).toEqual([2, 2]);
    for (let i = 0; i < 4; i++)
      expect(
        (await post(gw.url, { model: MODEL, max_tokens: 2, messages: [{ role: 'user', content: `s${i}` }] })).status,
      ).toBe(200);

    const pids = logLines(gw.child, 'worker started').map((l) => Number(l.pid));
    const inflight = post(gw.url, {
      model: MODEL,
      max_tokens: 400,
      ignore_eos: true,
      messages: [{ role: 'user', content: 'a long answer, please' }],
    });
    await new Promise((r) => setTimeout(r, 300));
    const exited = new Promise<number | null>((resolve) => gw.child.once('exit', (code) => resolve(code)));
    gw.child.kill('SIGTERM');
    const answer = await inflight;
    expect(answer.status).toBe(200);
    expect((answer.json.usage as { completion_tokens: number }).completion_tokens).toBe(400);
    expect(await exited).toBe(0);
    for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow();
  }, 180_000);

  it('exits 1 when the workers cannot start (port taken), without restarting them forever', async () => {
    const blocker: Server = createServer();
    const port = await freePort();
    await new Promise<void>((r) => blocker.listen(port, '127.0.0.1', () => r()));
    try {
      const child = spawnToolgate(
        ['serve', '--host', '127.0.0.1', '--port', String(port), '--upstream', sim.urls[0]!, '--workers', '2'],
        { LOG_LEVEL: 'info' },
      );
      const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
      expect(code).toBe(1);
      // The primary checks the address before it forks: one clear line, no worker started or restarted.
      expect(child.output()).toContain(`cannot listen on 127.0.0.1:${port}: the address is already in use`);
      expect(logLines(child, 'worker started')).toHaveLength(0);
      expect(logLines(child, 'worker exited; starting a new one')).toHaveLength(0);
    } finally {
      blocker.close();
    }
  }, 120_000);
});
