// npm run bench:real — the malformed-output corpus through the real gateway, as a client receives
// it, in four modes: pods with no tool parser (raw text) and pods running vLLM's hermes parser, each
// streamed and whole. Because the gateway owns the parse (it asks the pod for tool_choice "none",
// and serves a forced tool_choice itself with guided JSON where the pods have no tool parser), the
// four must recover exactly the same calls. Measured in the same run, the baseline: the same
// hermes pods answering directly (vLLM alone), streamed and whole. Policy `repair` (one pass; the
// retry policy's re-ask would "recover" every case against the simulator's guided decoding).
// Writes bench/results/real.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { startSim, type SimCluster } from '../loadtest/src/sim/index.js';
import { resolveConfig } from '../gateway/src/config/load.js';
import { startGateway, type Gateway } from '../gateway/src/server.js';
import { createLogger } from '../gateway/src/telemetry/log.js';
import { assembleStream, wholeMessage, type ClientView } from '../gateway/test/helpers/messages.js';
import { isRecoverable, loadToolcallCorpus, type CorpusCase } from '../gateway/test/toolcalls/corpus.js';
import type { ModeResult, RealResults } from './lib/real-results.js';

const MODEL = 'Qwen/Qwen3-0.6B';
type Call = { name: string; arguments: unknown };

const cases = loadToolcallCorpus().filter(
  (c) => !c.output.tool_calls && !c.output.reasoning_content && typeof c.output.content === 'string',
);

function callsOf(v: ClientView): Call[] | null {
  try {
    return v.toolCalls.map((t) => ({ name: t.name, arguments: JSON.parse(t.arguments) as unknown }));
  } catch {
    return null;
  }
}

let errors = 0;

async function ask(url: string, c: CorpusCase, stream: boolean, viaGateway: boolean): Promise<ClientView> {
  const res = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(viaGateway ? { 'x-toolgate-policy': 'repair' } : {}) },
    body: JSON.stringify({
      model: MODEL,
      stream,
      messages: [{ role: 'user', content: `case ${c.id}` }],
      tools: c.tools,
      ...(c.tool_choice !== undefined ? { tool_choice: c.tool_choice } : {}),
      sim_script: { raw: c.output.content },
    }),
  });
  // An error answer (e.g. a pod refusing a forced tool_choice it cannot serve) recovers nothing.
  if (!res.ok) {
    errors++;
    await res.arrayBuffer();
    return {
      content: null,
      toolCalls: [],
      finishReason: null,
      annotation: { outcome: 'error', errors: [], repairs: [] },
    };
  }
  if (stream) return assembleStream(await res.text());
  return wholeMessage(await res.json());
}

async function measure(mode: string, url: string, stream: boolean, viaGateway: boolean): Promise<ModeResult> {
  let recovered = 0;
  let exact = 0;
  let emptied = 0;
  for (const c of cases) {
    const v = await ask(url, c, stream, viaGateway);
    const calls = callsOf(v);
    const expected = isRecoverable(c) ? c.expected.calls : [];
    const match = calls !== null && JSON.stringify(calls) === JSON.stringify(expected);
    if (match) exact++;
    if (isRecoverable(c) && match) recovered++;
    if (
      (v.annotation as ClientView['annotation'] | undefined)?.outcome !== 'error' &&
      (v.content ?? '').trim() === '' &&
      (calls?.length ?? 0) === 0 &&
      (c.output.content ?? '').trim() !== ''
    )
      emptied++;
  }
  const recoverable = cases.filter(isRecoverable).length;
  return { mode, cases: cases.length, recoverable, recovered, recovery: recovered / recoverable, exact, emptied };
}

async function gatewayOver(sim: SimCluster): Promise<Gateway> {
  return startGateway(resolveConfig({ server: { host: '127.0.0.1', port: 0 }, upstreams: sim.urls }), {
    logger: createLogger({}, 'silent'),
  });
}

async function main(): Promise<void> {
  const profile = { kind: 'fixed' as const, ttftMs: 0, itlMs: 0 };
  // The corpus texts are what the model wrote after any reasoning: pods without a reasoning parser.
  const rawPods = await startSim({ pods: 1, port: 0, profile, parser: 'none', reasoningParser: null });
  const hermesPods = await startSim({ pods: 1, port: 0, profile, parser: 'hermes', reasoningParser: null });
  const overRaw = await gatewayOver(rawPods);
  const overHermes = await gatewayOver(hermesPods);
  try {
    const modes: ModeResult[] = [];
    for (const stream of [false, true]) {
      const how = stream ? 'streamed' : 'whole';
      modes.push(await measure(`gateway, pods without a tool parser, ${how}`, overRaw.url, stream, true));
      modes.push(await measure(`gateway, pods with --tool-call-parser hermes, ${how}`, overHermes.url, stream, true));
      modes.push(await measure(`vLLM alone (hermes), ${how}`, hermesPods.urls[0]!, stream, false));
    }
    const gatewayModes = modes.filter((m) => m.mode.startsWith('gateway'));
    const allEqual = gatewayModes.every(
      (m) => m.recovered === gatewayModes[0]!.recovered && m.exact === gatewayModes[0]!.exact,
    );
    const out: RealResults = {
      bench: 'real',
      corpusCases: cases.length,
      policy: 'repair',
      modes,
      gatewayModesEqual: allEqual,
    };
    mkdirSync('bench/results', { recursive: true });
    writeFileSync('bench/results/real.json', `${JSON.stringify(out, null, 2)}\n`);
    if (errors > 0) console.log(`${errors} answers were errors (counted as recovering nothing)`);
    for (const m of modes)
      console.log(
        `${m.mode.padEnd(58)} recovery ${(100 * m.recovery).toFixed(1)}% (${m.recovered}/${m.recoverable})  exact ${m.exact}/${m.cases}  emptied ${m.emptied}`,
      );
    console.log(`gateway modes equal: ${allEqual}`);
    if (!allEqual) process.exitCode = 1;
  } finally {
    await overRaw.close();
    await overHermes.close();
    await rawPods.close();
    await hermesPods.close();
  }
}

await main();
