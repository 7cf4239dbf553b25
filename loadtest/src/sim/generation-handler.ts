// POST /v1/chat/completions and /v1/completions: validate, plan, run through the engine and
// write the response (JSON or SSE) exactly in vLLM's shapes, including injected faults.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { buildChatMessage, planChatDeltas, type PlanView } from './chat-output.js';
import type { Engine } from './engine.js';
import { hexId } from './hash.js';
import { parseChatRequest, parseCompletionRequest, type ParsedRequest } from './request-parse.js';
import { planResponse, type PodBehaviour, type ResponsePlan } from './response-plan.js';
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

export function handleGeneration(api: 'chat' | 'completions', body: unknown, req: IncomingMessage, res: ServerResponse, ctx: GenerationContext): void {
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
  else jsonResponse(api, plan, planView(plan, parsed), meta, makeToolId, res, ctx);
}

interface Meta {
  id: string;
  created: number;
  model: string;
}

function usage(plan: ResponsePlan, completion: number) {
  return { prompt_tokens: plan.promptIds.length, total_tokens: plan.promptIds.length + completion, completion_tokens: completion };
}

/** Named tool_choice needs the tool's name to build tool_calls from the arguments-only output. */
function planView(plan: ResponsePlan, parsed: ParsedRequest): PlanView {
  const tc = parsed.toolChoice as { function?: { name?: string } } | undefined;
  return { kind: plan.kind, parseTools: plan.parseTools, parseReasoning: plan.parseReasoning, finishReason: plan.finishReason, ...(tc?.function?.name ? { toolName: tc.function.name } : {}) };
}

function jsonResponse(api: 'chat' | 'completions', plan: ResponsePlan, view: PlanView, meta: Meta, makeToolId: (i: number) => string, res: ServerResponse, ctx: GenerationContext): void {
  let finished = false;
  const handle = ctx.engine.submit({
    promptIds: plan.promptIds,
    outputTokens: plan.pieces.length,
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
        const text = plan.pieces.join('');
        const u = { ...usage(plan, plan.pieces.length), prompt_tokens_details: null };
        if (api === 'completions') {
          sendJson(res, 200, {
            ...meta, object: 'text_completion',
            choices: [{ index: 0, text, logprobs: null, finish_reason: plan.finishReason, stop_reason: null, prompt_logprobs: null }],
            usage: u, kv_transfer_params: null,
          });
          return;
        }
        const { message, finishReason } = buildChatMessage(text, view, makeToolId);
        sendJson(res, 200, {
          ...meta, object: 'chat.completion',
          choices: [{ index: 0, message, logprobs: null, finish_reason: finishReason, stop_reason: null }],
          service_tier: null, system_fingerprint: null, usage: u, prompt_logprobs: null, kv_transfer_params: null,
        });
      };
      if (plan.stallMs > 0) setTimeout(respond, plan.stallMs);
      else respond();
    },
  });
  res.on('close', () => {
    if (!finished) handle.abort({ clientDisconnect: true });
  });
}

function streamResponse(api: 'chat' | 'completions', parsed: ParsedRequest, plan: ResponsePlan, meta: Meta, makeToolId: (i: number) => string, res: ServerResponse, ctx: GenerationContext): void {
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
  res.flushHeaders();
  const sse = new SseWriter(res, plan.stallMs);
  const last = plan.pieces.length - 1;
  const view = planView(plan, parsed);
  const { deltas, toolCallsStreamed } = api === 'chat' ? planChatDeltas(plan.pieces, view, makeToolId) : { deltas: [], toolCallsStreamed: false };
  const object = api === 'chat' ? 'chat.completion.chunk' : 'text_completion';
  const breakAt = plan.transport === 'reset_mid_stream' || plan.transport === 'error_mid_stream' ? Math.floor(plan.pieces.length / 2) : -1;
  let finished = false;
  let killed = false;

  const chunk = (choice: Record<string, unknown>, generated: number) => ({
    ...meta, object, choices: [choice],
    ...(parsed.continuousUsage ? { usage: usage(plan, generated) } : {}),
  });
  const choiceFor = (i: number, finishReason: string | null) =>
    api === 'chat'
      ? { index: 0, delta: deltas[i] ?? {}, logprobs: null, finish_reason: finishReason, ...(finishReason ? { stop_reason: null } : {}) }
      : { index: 0, text: plan.pieces[i], logprobs: null, finish_reason: finishReason, stop_reason: null };

  const handle = ctx.engine.submit({
    promptIds: plan.promptIds,
    outputTokens: plan.pieces.length,
    finishReason: plan.finishReason,
    ...(plan.timing ? { timing: plan.timing } : {}),
    onToken: (i) => {
      if (killed || res.destroyed) return;
      // vLLM sends the role chunk when the first output arrives (so TTFT is measurable on it).
      if (i === 0 && api === 'chat') sse.send(chunk({ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }, 0));
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
      if (api === 'chat' && deltas[i] === null) return;
      sse.send(chunk(choiceFor(i, null), i + 1));
    },
    onFinish: () => {
      finished = true;
      if (killed || res.destroyed) return;
      const finishReason = toolCallsStreamed ? 'tool_calls' : plan.finishReason;
      sse.send(chunk(choiceFor(last, finishReason), plan.pieces.length));
      if (parsed.includeUsage) sse.send({ ...meta, object, choices: [], usage: usage(plan, plan.pieces.length) });
      sse.done();
    },
  });
  res.on('close', () => {
    sse.cancel();
    if (!finished && !killed) handle.abort({ clientDisconnect: true });
  });
}
