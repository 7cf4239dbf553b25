// OpenTelemetry: with OTEL_EXPORTER_OTLP_ENDPOINT set, `toolgate serve` exports a span per request
// with the GenAI semantic-convention attributes, over real OTLP/HTTP to a receiver on loopback.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type SimCluster } from '../../../loadtest/src/sim/index.js';
import { freePort, spawnToolgate, stopProcess, waitForHttp } from '../helpers/net.js';

interface OtlpAttribute {
  key: string;
  value: { stringValue?: string; intValue?: string | number; arrayValue?: { values: Array<{ stringValue?: string }> } };
}
interface OtlpSpan {
  name: string;
  attributes: OtlpAttribute[];
}

describe('OpenTelemetry tracing', () => {
  let receiver: Server;
  const spans: OtlpSpan[] = [];
  let sim: SimCluster;
  let gateway: ReturnType<typeof spawnToolgate>;
  let url: string;

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        if (req.url === '/v1/traces') {
          const payload = JSON.parse(body) as { resourceSpans: Array<{ scopeSpans: Array<{ spans: OtlpSpan[] }> }> };
          for (const rs of payload.resourceSpans) for (const ss of rs.scopeSpans) spans.push(...ss.spans);
        }
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
    const otlp = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
    sim = await startSim({ pods: 1, profile: { kind: 'fixed', ttftMs: 1, itlMs: 1 } });
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    gateway = spawnToolgate(['serve', '--port', String(port), '--host', '127.0.0.1', '--upstream', sim.urls[0]!], {
      OTEL_EXPORTER_OTLP_ENDPOINT: otlp,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_BSP_SCHEDULE_DELAY: '100',
    });
    await waitForHttp(`${url}/ready`);
  });

  afterAll(async () => {
    if (gateway) await stopProcess(gateway);
    await sim?.close();
    receiver?.close();
  });

  it('exports a `chat {model}` span with GenAI attributes', async () => {
    const res = await fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'Qwen/Qwen3-0.6B', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(res.status).toBe(200);
    await res.text();
    const deadline = Date.now() + 10_000;
    while (!spans.some((s) => s.name === 'chat Qwen/Qwen3-0.6B') && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    const span = spans.find((s) => s.name === 'chat Qwen/Qwen3-0.6B');
    expect(span, gateway.output()).toBeDefined();
    const attr = (k: string) => span!.attributes.find((a) => a.key === k)?.value;
    expect(attr('gen_ai.operation.name')?.stringValue).toBe('chat');
    expect(attr('gen_ai.request.model')?.stringValue).toBe('Qwen/Qwen3-0.6B');
    expect(attr('gen_ai.provider.name')?.stringValue).toBe('vllm');
    expect(Number(attr('gen_ai.usage.output_tokens')?.intValue)).toBeGreaterThan(0);
    expect(Number(attr('gen_ai.usage.input_tokens')?.intValue)).toBeGreaterThan(0);
    expect(attr('gen_ai.response.finish_reasons')?.arrayValue?.values.map((v) => v.stringValue)).toEqual(['length']);
  });
});
