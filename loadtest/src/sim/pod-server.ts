// One simulated vLLM pod: an HTTP server on loopback with its own engine, prefix cache and
// Prometheus registry. Routes mirror vLLM's OpenAI server.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { renderChatPrompt, type ChatMessage, type ChatTool } from './chat-template.js';
import { Engine } from './engine.js';
import { handleGeneration, sendJson } from './generation-handler.js';
import { hexId } from './hash.js';
import { PodMetrics } from './metrics.js';
import type { EngineProfile } from './profiles.js';
import type { PodBehaviour } from './response-plan.js';
import { pieceId, tokenPieces } from './tokenizer.js';
import { badRequest, SimHttpError, vllmError } from './vllm-errors.js';
import type { SimPod, SimStats } from './types.js';

export interface PodConfig {
  host: string;
  port: number;
  index: number;
  model: string;
  loraAdapters: string[];
  profile: EngineProfile;
  behaviour: PodBehaviour;
}

const MAX_BODY_BYTES = 64 * 1024 * 1024;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        reject(new SimHttpError(413, `Request body larger than ${MAX_BODY_BYTES} bytes.`));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw badRequest(`Invalid JSON body: ${(err as Error).message}`);
  }
}

export async function startPod(cfg: PodConfig): Promise<SimPod> {
  const created = Math.floor(Date.now() / 1000);
  let requests = 0;
  let requestNumber = 0;
  // The gauges read the engine at scrape time; the engine reports events to the metrics.
  const engineRef: { current?: Engine } = {};
  const metrics = new PodMetrics(cfg.model, {
    running: () => engineRef.current?.numRunning ?? 0,
    waiting: () => engineRef.current?.numWaiting ?? 0,
    kvUsage: () => engineRef.current?.kvUsage() ?? 0,
  });
  const engine = new Engine(cfg.profile, metrics);
  engineRef.current = engine;
  const servedModels = [cfg.model, ...cfg.loraAdapters];
  const maxModelLen = cfg.behaviour.maxModelLen;

  const card = (id: string, parent: string | null) => ({
    id,
    object: 'model',
    created,
    owned_by: 'vllm',
    root: parent ? id : cfg.model,
    parent,
    max_model_len: maxModelLen,
    permission: [
      {
        id: `modelperm-${hexId(id, 'perm')}`,
        object: 'model_permission',
        created,
        allow_create_engine: false,
        allow_sampling: true,
        allow_logprobs: true,
        allow_search_indices: false,
        allow_view: true,
        allow_fine_tuning: false,
        organization: '*',
        group: null,
        is_blocking: false,
      },
    ],
  });

  const genCtx = {
    engine,
    behaviour: cfg.behaviour,
    model: cfg.model,
    servedModels,
    podIndex: cfg.index,
    nextRequestNumber: () => requestNumber++,
    countRequest: () => {
      requests++;
    },
  };

  const tokenizeBody = (body: unknown) => {
    if (!body || typeof body !== 'object' || Array.isArray(body))
      throw badRequest('Request body must be a JSON object.');
    const b = body as {
      model?: unknown;
      prompt?: unknown;
      messages?: unknown;
      tools?: unknown;
      add_generation_prompt?: unknown;
      return_token_strs?: unknown;
    };
    if (typeof b.model === 'string' && !servedModels.includes(b.model))
      throw new SimHttpError(404, `The model \`${b.model}\` does not exist.`, 'model');
    let text: string;
    if (typeof b.prompt === 'string') text = b.prompt;
    else if (Array.isArray(b.messages)) {
      text = renderChatPrompt(
        b.messages as ChatMessage[],
        Array.isArray(b.tools) ? (b.tools as ChatTool[]) : undefined,
        {
          addGenerationPrompt: b.add_generation_prompt !== false,
        },
      );
    } else throw badRequest('Either `prompt` or `messages` is required.', 'prompt');
    const pieces = tokenPieces(text);
    return {
      count: pieces.length,
      max_model_len: maxModelLen,
      tokens: pieces.map(pieceId),
      token_strs: b.return_token_strs === true ? pieces : null,
    };
  };

  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '/').split('?')[0];
    const method = req.method ?? 'GET';
    const post = async () => parseJson(await readBody(req));
    if (path === '/health' && method === 'GET') {
      res.writeHead(200, { 'content-length': 0 });
      res.end();
    } else if (path === '/v1/models' && method === 'GET') {
      sendJson(res, 200, {
        object: 'list',
        data: [card(cfg.model, null), ...cfg.loraAdapters.map((l) => card(l, cfg.model))],
      });
    } else if (path === '/metrics' && method === 'GET') {
      const text = await metrics.render();
      res.writeHead(200, { 'content-type': metrics.registry.contentType });
      res.end(text);
    } else if (path === '/version' && method === 'GET') {
      sendJson(res, 200, { version: 'toolgate-sim' });
    } else if (path === '/tokenize' && method === 'POST') {
      sendJson(res, 200, tokenizeBody(await post()));
    } else if (path === '/v1/chat/completions' && method === 'POST') {
      handleGeneration('chat', await post(), req, res, genCtx);
    } else if (path === '/v1/completions' && method === 'POST') {
      handleGeneration('completions', await post(), req, res, genCtx);
    } else if (
      [
        '/health',
        '/v1/models',
        '/metrics',
        '/version',
        '/tokenize',
        '/v1/chat/completions',
        '/v1/completions',
      ].includes(path!)
    ) {
      sendJson(res, 405, { detail: 'Method Not Allowed' });
    } else {
      sendJson(res, 404, { detail: 'Not Found' });
    }
  };

  const server = createServer((req, res) => {
    route(req, res).catch((err: unknown) => {
      if (res.headersSent || res.destroyed) {
        res.destroy();
        return;
      }
      if (err instanceof SimHttpError) sendJson(res, err.status, err.toBody());
      else sendJson(res, 500, vllmError(500, err instanceof Error ? err.message : String(err)));
    });
  });
  server.keepAliveTimeout = 5_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(cfg.port, cfg.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const hostForUrl = cfg.host.includes(':') ? `[${cfg.host}]` : cfg.host;
  let closing: Promise<void> | undefined;

  return {
    url: `http://${hostForUrl}:${port}`,
    port,
    stats(): SimStats {
      const c = engine.counters;
      return {
        requests,
        completed: c.completed,
        aborted: c.aborted,
        running: engine.numRunning,
        waiting: engine.numWaiting,
        promptTokens: c.promptTokens,
        generationTokens: c.generationTokens,
        prefixCacheQueries: c.prefixCacheQueries,
        prefixCacheHits: c.prefixCacheHits,
      };
    },
    close(): Promise<void> {
      closing ??= new Promise<void>((resolve) => {
        engine.close();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
