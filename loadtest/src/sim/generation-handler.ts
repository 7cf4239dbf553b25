// POST /v1/chat/completions and /v1/completions: validate, plan, run through the engine and
// write the response (JSON or SSE) exactly in vLLM 0.33's shapes (entrypoints/openai/
// chat_completion/serving.py: every field it sets, nulls included), including injected faults.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Engine } from './engine.js';
import { hexId } from './hash.js';
import { parseChatRequest, parseCompletionRequest, type ParsedRequest } from './request-parse.js';
import { planResponse, type PodBehaviour, type ResponsePlan } from './response-plan.js';
import { chatCompletionBody, chatStreamChunks, stepCount, usageInfo, type ChunkMeta } from './chat-response.js';
import { SseWriter } from './sse-writer.js';
import { SimHttpError, vllmError } from './vllm-errors.js';

export interface GenerationContext {
  engine: Engine;
  behaviour: PodBehaviour;
  model: string;
  servedModels: string[];
  podIndex: number;
  nextRequestNumber(): number;
  countRequest(): void;
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const data = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) });
  res.end(data);
}

export function handleGeneration(
  api: 'chat' | 'completions',
  body: unknown,
  req: IncomingMessage,
  res: ServerResponse,
  ctx: GenerationContext,
): void {
  const parsed = api === 'chat' ? parseChatRequest(body) : parseCompletionRequest(body);
  if (parsed.model !== undefined && !ctx.servedModels.includes(parsed.model)) {
    throw new SimHttpError(404, `The model \`${parsed.model}\` does not exist.`, 'model');
  }
  const plan = planResponse(parsed, ctx.behaviour);
  ctx.countRequest();
  if (plan.transport === 'reset_before_first_byte') {
    req.socket.destroy();
    return;
  }
  if (plan.transport === 'http_500') {
    sendJson(res, 500, vllmError(500, 'EngineCore encountered an issue (simulated fault http_500).'));
    return;
  }
  const n = ctx.nextRequestNumber();
  const id = `${api === 'chat' ? 'chatcmpl' : 'cmpl'}-${hexId(ctx.behaviour.seed, ctx.podIndex, n)}`;
  const meta = { id, created: Math.floor(Date.now() / 1000), model: parsed.model ?? ctx.model };
  const makeToolId = (i: number) => `chatcmpl-tool-${hexId(id, i)}`;
  if (parsed.stream) streamResponse(api, parsed, plan, meta, makeToolId, res, ctx);
  else jsonResponse(api, plan, meta, makeToolId, res, ctx);
}

type Meta = ChunkMeta;

function jsonResponse(
  api: 'chat' | 'completions',
  plan: ResponsePlan,
  meta: Meta,
  makeToolId: (i: number) => string,
  res: ServerResponse,
  ctx: GenerationContext,
): void {
  let finished = false;
  const handle = ctx.engine.submit({
    promptIds: plan.promptIds,
    outputTokens: stepCount(plan),
    finishReason: plan.finishReason,
    ...(plan.timing ? { timing: plan.timing } : {}),
    onToken: () => {},
    onFinish: () => {
      finished = true;
      const respond = () => {
        if (res.destroyed) return;
        if (plan.transport === 'reset_mid_stream') {
          res.socket?.destroy();
          return;
        }
        if (plan.transport === 'error_mid_stream') {
          sendJson(res, 500, vllmError(500, 'EngineCore encountered an issue (simulated fault error_mid_stream).'));
          return;
        }
        if (api === 'completions') {
          sendJson(res, 200, {
            ...meta,
            object: 'text_completion',
            choices: [
              {
                index: 0,
                text: plan.texts.join(''),
                logprobs: null,
                finish_reason: plan.finishReason,
                stop_reason: null,
                prompt_logprobs: null,
              },
            ],
            usage: { ...usageInfo(plan, stepCount(plan), null), prompt_tokens_details: null },
            kv_transfer_params: null,
          });
          return;
        }
        sendJson(res, 200, chatCompletionBody(plan, meta, makeToolId));
      };
      if (plan.stallMs > 0) setTimeout(respond, plan.stallMs);
      else respond();
    },
  });
  res.on('close', () => {
    if (!finished) handle.abort({ clientDisconnect: true });
  });
}

function streamResponse(
  api: 'chat' | 'completions',
  parsed: ParsedRequest,
  plan: ResponsePlan,
  meta: Meta,
  makeToolId: (i: number) => string,
  res: ServerResponse,
  ctx: GenerationContext,
): void {
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
  res.flushHeaders();
  const sse = new SseWriter(res, plan.stallMs);
  const n = stepCount(plan);
  const last = n - 1;
  const chat = api === 'chat' ? chatStreamChunks(plan, meta, makeToolId, parsed.continuousUsage) : null;
  const breakAt =
    plan.transport === 'reset_mid_stream' || plan.transport === 'error_mid_stream' ? Math.floor(n / 2) : -1;
  let finished = false;
  let killed = false;

  const textChunk = (i: number) => ({
    ...meta,
    object: 'text_completion',
    choices: [
      {
        index: 0,
        text: plan.texts[i] ?? '',
        logprobs: null,
        finish_reason: i === last ? plan.finishReason : null,
        stop_reason: null,
      },
    ],
    ...(parsed.continuousUsage ? { usage: usageInfo(plan, i + 1, null) } : {}),
  });

  const handle = ctx.engine.submit({
    promptIds: plan.promptIds,
    outputTokens: n,
    finishReason: plan.finishReason,
    ...(plan.timing ? { timing: plan.timing } : {}),
    onToken: (i) => {
      if (killed || res.destroyed) return;
      // vLLM sends the role chunk when the first output arrives (so TTFT is measurable on it).
      if (i === 0 && chat) sse.send(chat.role);
      if (i === breakAt) {
        killed = true;
        handle.abort({ clientDisconnect: false });
        if (plan.transport === 'error_mid_stream') {
          // vLLM reports errors raised after the stream started as one error event, then [DONE]
          // (create_streaming_error_response defaults to BadRequestError / 400).
          sse.send(vllmError(400, 'Simulated engine error in the middle of the stream (sim fault error_mid_stream).'));
          sse.done();
        } else {
          sse.cancel();
          // Let the events already written reach the wire, then reset the connection.
          res.write('', () => res.socket?.destroy());
        }
        return;
      }
      if (i === last) return; // sent with finish_reason in onFinish
      if (!chat) sse.send(textChunk(i));
      else if (chat.steps[i]) sse.send(chat.steps[i]);
    },
    onFinish: () => {
      finished = true;
      if (killed || res.destroyed) return;
      sse.send(chat ? chat.steps[last]! : textChunk(last));
      // The usage chunk is serialised without nulls and has no choices.
      if (parsed.includeUsage)
        sse.send(
          chat ? chat.usage : { ...meta, object: 'text_completion', choices: [], usage: usageInfo(plan, n, null) },
        );
      sse.done();
    },
  });
  res.on('close', () => {
    sse.cancel();
    if (!finished && !killed) handle.abort({ clientDisconnect: true });
  });
}
