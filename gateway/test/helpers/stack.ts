// Starts real simulator pods and a real gateway on loopback ports, in this test process.
import { startSim, type SimCluster, type SimOptions } from '../../../loadtest/src/sim/index.js';
import { resolveConfig } from '../../src/config/load.js';
import type { GatewayConfig } from '../../src/config/schema.js';
import { startGateway, type Gateway, type GatewayOptions } from '../../src/server.js';
import { createLogger } from '../../src/telemetry/log.js';

export interface Stack {
  sims: SimCluster[];
  gateway: Gateway;
  cfg: GatewayConfig;
  close(): Promise<void>;
}

/**
 * `sims`: one SimOptions per independent simulator (each may have several pods); all their pods
 * become the default pool's backends. `config`: raw gateway config merged over the defaults.
 * Pods run without a reasoning parser unless a test asks (`reasoningParser: 'qwen3'`): scripted
 * raw texts then reach the gateway as the model wrote them. Under vLLM 0.33's qwen3 parser a text
 * with neither `</think>` nor `<tool_call>` is all reasoning (docs/vllm-tool-parsing.md §2); the
 * suites that need that path ask for it.
 */
export async function startStack(
  sims: SimOptions[] = [{ pods: 2 }],
  config: Record<string, unknown> = {},
  opts: GatewayOptions = {},
): Promise<Stack> {
  const clusters = await Promise.all(sims.map((s) => startSim({ port: 0, reasoningParser: null, ...s })));
  const urls = clusters.flatMap((c) => c.urls);
  const cfg = resolveConfig({
    server: { host: '127.0.0.1', port: 0 },
    upstreams: urls,
    ...config,
  });
  const gateway = await startGateway(cfg, { logger: createLogger({}, 'silent'), ...opts });
  return {
    sims: clusters,
    gateway,
    cfg,
    async close() {
      await gateway.close();
      await Promise.all(clusters.map((c) => c.close()));
    },
  };
}

/** Parses `data:` payloads of an SSE text (excluding [DONE]). */
export function sseData(text: string): unknown[] {
  return text
    .split('\n\n')
    .map((e) => e.trim())
    .filter((e) => e.startsWith('data:'))
    .map((e) => e.slice(5).trim())
    .filter((d) => d !== '[DONE]')
    .map((d) => JSON.parse(d) as unknown);
}
