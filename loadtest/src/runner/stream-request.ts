// One streamed chat completion, timed the way vLLM's `async_request_openai_chat_completions`
// times it: TTFT at the first chunk carrying `choices`, one ITL entry per later choices chunk,
// latency at the last data chunk (the usage chunk included); output tokens from `usage`.
import { performance } from 'node:perf_hooks';
import { request, type Dispatcher } from 'undici';
import type { ChatPrompt } from './prompts.js';
import type { ErrorKind, RequestOutput } from './types.js';

export interface StreamRequestInput {
  baseUrl: string;
  model: string;
  prompt: ChatPrompt;
  promptTokens: number;
  maxTokens: number;
  timeoutS: number;
  dispatcher: Dispatcher;
  /** performance.now() (ms) of the cell's clock origin. */
  originMs: number;
  headers?: Record<string, string>;
}

interface StreamState {
  ttftS: number;
  lastS: number;
  itlS: number[];
  chunks: number;
  promptTokens: number | null;
  outputTokens: number | null;
  content: string;
  sawToolCalls: boolean;
  streamError: { message: string; code: string | null } | null;
  badJson: boolean;
}

export async function streamChat(input: StreamRequestInput): Promise<RequestOutput> {
  const body = {
    model: input.model,
    messages: input.prompt.messages,
    ...(input.prompt.tools ? { tools: input.prompt.tools, tool_choice: 'auto' } : {}),
    stream: true,
    stream_options: { include_usage: true },
    max_tokens: input.maxTokens,
    ignore_eos: true,
    temperature: 0,
    chat_template_kwargs: { enable_thinking: false },
  };
  const st = performance.now();
  const startS = (st - input.originMs) / 1000;
  const fail = (kind: ErrorKind, message: string, status?: number, code?: string | null): RequestOutput => ({
    success: false,
    startS,
    ttftS: 0,
    latencyS: (performance.now() - st) / 1000,
    itlS: [],
    promptTokens: input.promptTokens,
    outputTokens: 0,
    chunks: 0,
    error: { kind, message, ...(status !== undefined ? { status } : {}), code: code ?? null },
  });

  const signal = AbortSignal.timeout(input.timeoutS * 1000);
  const s: StreamState = {
    ttftS: 0,
    lastS: 0,
    itlS: [],
    chunks: 0,
    promptTokens: null,
    outputTokens: null,
    content: '',
    sawToolCalls: false,
    streamError: null,
    badJson: false,
  };
  let headerOutcome: string | undefined;
  try {
    const res = await request(`${input.baseUrl}/v1/chat/completions`, {
      method: 'POST',
      dispatcher: input.dispatcher,
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...input.headers },
      body: JSON.stringify(body),
      signal,
    });
    if (res.statusCode >= 400) {
      const err = parseErrorBody(await res.body.text().catch(() => ''));
      return fail(
        res.statusCode >= 500 ? 'http_5xx' : 'http_4xx',
        `HTTP ${res.statusCode}: ${err.message}`,
        res.statusCode,
        err.code,
      );
    }
    const hv = res.headers['x-toolgate-toolcalls'];
    headerOutcome = (Array.isArray(hv) ? hv[0] : hv)?.split(/[;,\s]/)[0]?.toLowerCase() || undefined;

    let buf = '';
    for await (const chunk of res.body) {
      const ts = (performance.now() - st) / 1000;
      buf += (chunk as Buffer).toString('utf8');
      let idx: number;
      while ((idx = buf.search(/\r?\n\r?\n/)) >= 0) {
        const event = buf.slice(0, idx);
        buf = buf.slice(idx + (buf[idx] === '\r' ? 4 : 2));
        handleEvent(event, ts, s);
      }
    }
    if (buf.trim()) handleEvent(buf, (performance.now() - st) / 1000, s);
  } catch (err) {
    return fail(...classifyThrown(err, signal));
  }

  if (s.streamError) return fail('stream_error', s.streamError.message, undefined, s.streamError.code);
  if (s.chunks === 0)
    return fail(s.badJson ? 'protocol' : 'empty_response', 'stream ended without a chunk carrying choices');
  const outcome = input.prompt.tools ? (headerOutcome ?? classifyToolCalls(s)) : undefined;
  return {
    success: true,
    startS,
    ttftS: s.ttftS,
    latencyS: s.lastS,
    itlS: s.itlS,
    promptTokens: s.promptTokens ?? input.promptTokens,
    // vLLM falls back to re-tokenising the text; without a tokenizer the chunk count is the
    // closest figure (the simulator and vLLM stream one token per chunk).
    outputTokens: s.outputTokens ?? s.chunks,
    chunks: s.chunks,
    ...(outcome !== undefined ? { toolCallOutcome: outcome } : {}),
  };
}

function handleEvent(event: string, ts: number, s: StreamState): void {
  const data = event
    .split(/\r?\n/)
    .filter((l) => l.startsWith('data:'))
    .map((l) => l.slice(5).replace(/^ /, ''))
    .join('\n');
  if (!data || data === '[DONE]') return;
  let parsed: {
    choices?: Array<{ delta?: { content?: string | null; tool_calls?: unknown[] } }>;
    usage?: { prompt_tokens?: number; completion_tokens?: number } | null;
    error?: { message?: string; code?: string | number | null };
  };
  try {
    parsed = JSON.parse(data) as typeof parsed;
  } catch {
    s.badJson = true;
    return;
  }
  if (parsed.error) {
    s.streamError = {
      message: parsed.error.message ?? 'error event in stream',
      code: parsed.error.code != null ? String(parsed.error.code) : null,
    };
    return;
  }
  if (parsed.choices && parsed.choices.length > 0) {
    if (s.chunks === 0) s.ttftS = ts;
    else s.itlS.push(ts - s.lastS);
    s.chunks++;
    const delta = parsed.choices[0]?.delta;
    if (delta?.content) s.content += delta.content;
    if (delta?.tool_calls?.length) s.sawToolCalls = true;
  }
  if (parsed.usage) {
    if (typeof parsed.usage.completion_tokens === 'number') s.outputTokens = parsed.usage.completion_tokens;
    if (typeof parsed.usage.prompt_tokens === 'number') s.promptTokens = parsed.usage.prompt_tokens;
  }
  s.lastS = ts;
}

/** With no gateway header: parsed tool_calls, raw `<tool_call>` text, or none. */
function classifyToolCalls(s: StreamState): string {
  if (s.sawToolCalls) return 'tool_calls';
  if (s.content.includes('<tool_call>')) return 'raw_text';
  return 'none';
}

function parseErrorBody(text: string): { message: string; code: string | null } {
  try {
    const body = JSON.parse(text) as {
      error?: { message?: string; code?: string | number | null; type?: string } | string;
      message?: string;
    };
    if (body.error && typeof body.error === 'object') {
      const code = body.error.code ?? body.error.type ?? null;
      return { message: body.error.message ?? text, code: code === null ? null : String(code) };
    }
    if (typeof body.error === 'string') return { message: body.error, code: null };
    if (typeof body.message === 'string') return { message: body.message, code: null };
  } catch {
    /* not JSON: keep the text */
  }
  return { message: text.slice(0, 300) || '(empty body)', code: null };
}

function classifyThrown(err: unknown, signal: AbortSignal): [ErrorKind, string] {
  const e = err as { name?: string; code?: string; message?: string; cause?: { code?: string; message?: string } };
  const code = e.code ?? e.cause?.code ?? '';
  const message = e.cause?.message ?? e.message ?? String(err);
  if (signal.aborted || e.name === 'TimeoutError' || code.includes('TIMEOUT'))
    return ['timeout', `no complete response in time: ${message}`];
  if (
    /^E(CONNREFUSED|CONNRESET|HOSTUNREACH|NETUNREACH|NOTFOUND|AI_AGAIN|PIPE)$/.test(code) ||
    code === 'UND_ERR_SOCKET' ||
    code === 'UND_ERR_CLOSED'
  ) {
    return ['connection', `${code}: ${message}`];
  }
  return ['protocol', message];
}
