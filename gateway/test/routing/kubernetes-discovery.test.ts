// Kubernetes discovery against a local stand-in for the API server (127.0.0.1) that serves
// recorded-shape discovery.k8s.io/v1 EndpointSliceList responses and a watch event stream the
// test drives. The endpoints are real simulator pods, so routing follows the pool's changes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startSim, type SimCluster } from '../../../loadtest/src/sim/index.js';
import { resolveConfig } from '../../src/config/load.js';
import { startGateway, type Gateway } from '../../src/server.js';
import { createLogger } from '../../src/telemetry/log.js';
import type { EndpointSlice } from '../../src/routing/discovery/endpoint-slices.js';

const MODEL = 'Qwen/Qwen3-0.6B';
const TOKEN = 'test-token-123';

/** One slice per pod (each pod listens on its own loopback port), shaped like a real one. */
function slice(name: string, pod: string, port: number, ready: boolean, rv: string): EndpointSlice {
  return {
    kind: 'EndpointSlice',
    apiVersion: 'discovery.k8s.io/v1',
    metadata: {
      name,
      namespace: 'llm',
      resourceVersion: rv,
      labels: { 'kubernetes.io/service-name': 'vllm', app: 'vllm' },
    },
    addressType: 'IPv4',
    endpoints: [
      {
        addresses: ['127.0.0.1'],
        conditions: { ready, serving: ready, terminating: false },
        targetRef: { kind: 'Pod', name: pod, namespace: 'llm' },
        nodeName: 'node-1',
      },
    ],
    ports: [{ name: 'http', port, protocol: 'TCP', appProtocol: 'http' }],
  };
}

describe('kubernetes EndpointSlice discovery', () => {
  let sims: SimCluster;
  let api: Server;
  let gateway: Gateway;
  const requests: Array<{ url: string; auth: string | undefined }> = [];
  let watch: ServerResponse | null = null;
  let lists = 0;
  let ports: number[];

  const send = (type: string, object: unknown) => watch!.write(JSON.stringify({ type, object }) + '\n');
  const backendNames = () =>
    gateway.router.pools
      .get('vllm')!
      .backends.map((b) => `${b.name}${b.healthy ? '' : '(not ready)'}`)
      .sort();
  async function until(cond: () => boolean): Promise<void> {
    const end = Date.now() + 5000;
    while (!cond()) {
      if (Date.now() > end) throw new Error(`timed out; pool: ${backendNames().join(', ')}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  beforeAll(async () => {
    sims = await startSim({ port: 0, pods: 3, profile: { kind: 'fixed', ttftMs: 2, itlMs: 1 } });
    ports = sims.pods.map((p) => p.port);
    api = createServer((req: IncomingMessage, res: ServerResponse) => {
      requests.push({ url: req.url ?? '', auth: req.headers.authorization });
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname !== '/apis/discovery.k8s.io/v1/namespaces/llm/endpointslices') {
        res.writeHead(404).end();
        return;
      }
      res.setHeader('content-type', 'application/json');
      if (url.searchParams.get('watch') === '1') {
        res.writeHead(200);
        res.flushHeaders();
        watch = res;
        return;
      }
      lists++;
      // After a relist (410 Gone), the API reports the state the watch events led to.
      const items =
        lists === 1
          ? [slice('vllm-a', 'vllm-0', ports[0]!, true, '101'), slice('vllm-b', 'vllm-1', ports[1]!, true, '102')]
          : [slice('vllm-c', 'vllm-2', ports[2]!, true, '200')];
      res.end(
        JSON.stringify({
          kind: 'EndpointSliceList',
          apiVersion: 'discovery.k8s.io/v1',
          metadata: { resourceVersion: lists === 1 ? '105' : '200' },
          items,
        }),
      );
    });
    await new Promise<void>((r) => api.listen(0, '127.0.0.1', r));
    const dir = mkdtempSync(path.join(tmpdir(), 'toolgate-k8s-'));
    writeFileSync(path.join(dir, 'token'), `${TOKEN}\n`);
    const cfg = resolveConfig({
      server: { host: '127.0.0.1', port: 0 },
      health: { intervalMs: 200, timeoutMs: 1000 },
      pools: {
        vllm: {
          discovery: {
            kubernetes: {
              namespace: 'llm',
              labelSelector: 'kubernetes.io/service-name=vllm',
              portName: 'http',
              apiUrl: `http://127.0.0.1:${(api.address() as AddressInfo).port}`,
              tokenPath: path.join(dir, 'token'),
              retryMs: 50,
            },
          },
        },
      },
      models: { [MODEL]: { pool: 'vllm' } },
    });
    gateway = await startGateway(cfg, { logger: createLogger({}, 'silent') });
  });

  afterAll(async () => {
    watch?.end();
    await gateway?.close();
    api?.closeAllConnections();
    await new Promise((r) => api?.close(r));
    await sims?.close();
  });

  it('fills the pool from the list, authenticated with the service-account token', async () => {
    expect(backendNames()).toEqual([`vllm-0:${ports[0]}`, `vllm-1:${ports[1]}`]);
    expect(requests[0]!.auth).toBe(`Bearer ${TOKEN}`);
    expect(new URL(requests[0]!.url, 'http://x').searchParams.get('labelSelector')).toBe(
      'kubernetes.io/service-name=vllm',
    );
    await until(() => watch !== null);
    const w = new URL(requests.at(-1)!.url, 'http://x').searchParams;
    expect([w.get('watch'), w.get('resourceVersion')]).toEqual(['1', '105']);
    const res = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: MODEL, max_tokens: 2, messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(res.status).toBe(200);
    expect([`vllm-0:${ports[0]}`, `vllm-1:${ports[1]}`]).toContain(res.headers.get('x-toolgate-backend'));
  });

  it('follows watch events: pod added, marked not ready, removed', async () => {
    send('ADDED', slice('vllm-c', 'vllm-2', ports[2]!, true, '106'));
    await until(() => backendNames().includes(`vllm-2:${ports[2]}`));
    send('MODIFIED', slice('vllm-a', 'vllm-0', ports[0]!, false, '107'));
    await until(() => backendNames().includes(`vllm-0:${ports[0]}(not ready)`));
    send('DELETED', slice('vllm-b', 'vllm-1', ports[1]!, true, '108'));
    await until(() => !backendNames().some((n) => n.startsWith('vllm-1')));
    send('BOOKMARK', { kind: 'EndpointSlice', metadata: { name: '', resourceVersion: '150' } });
    expect(backendNames()).toEqual([`vllm-0:${ports[0]}(not ready)`, `vllm-2:${ports[2]}`]);
    // Traffic now goes only to the one ready pod.
    for (let i = 0; i < 4; i++) {
      const res = await fetch(`${gateway.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: MODEL, max_tokens: 2, messages: [{ role: 'user', content: `q${i}` }] }),
      });
      expect(res.headers.get('x-toolgate-backend')).toBe(`vllm-2:${ports[2]}`);
      await res.arrayBuffer();
    }
    const ready = await (await fetch(`${gateway.url}/ready`)).json();
    expect(ready).toMatchObject({ status: 'ready', healthyBackends: 1 });
  });

  it('relists after 410 Gone and resumes watching from the new version', async () => {
    const old = watch!;
    watch = null;
    old.write(
      JSON.stringify({
        type: 'ERROR',
        object: {
          kind: 'Status',
          apiVersion: 'v1',
          status: 'Failure',
          message: 'too old resource version: 105 (150)',
          reason: 'Expired',
          code: 410,
        },
      }) + '\n',
    );
    old.end();
    await until(() => lists === 2 && watch !== null);
    expect(new URL(requests.at(-1)!.url, 'http://x').searchParams.get('resourceVersion')).toBe('200');
    expect(backendNames()).toEqual([`vllm-2:${ports[2]}`]);
  });
});
