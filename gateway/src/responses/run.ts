// One POST /v1/responses, from the request to the finished Response: the conversation is
// rebuilt from the stored previous response and the input items, the MCP servers' tools are
// listed, and then the model is called (model-call.ts) and its answer translated (chat-turn.ts)
// until it answers without an MCP call to run — each MCP call checked against its tool's
// inputSchema, executed, its result fed back — within the limits of `mcp.*`. The run is an
// async generator of stream events (sequence-numbered, pulled by the SSE writer, so a slow
// client slows the run down); a non-stream request drains it and reads `response`.
//
// The response starts with the first model call's answer, as a chat response does: a request
// refused before it (a 4xx of the plugins, no upstream, the reject policy's 422) throws a
// RefusedResponse, which is an HTTP error; a failure after it ends the stream with `error` and
// `response.failed`.
import { GatewayError, asGatewayError, type OpenAIErrorBody } from '../api/errors.js';
import type { Answer, AnswerSteps } from '../api/exchanger.js';
import type { ProxyDeps } from '../api/proxy-route.js';
import { worstOutcome } from '../api/toolcalls/annotation.js';
import { executionLog, type ExecutedCall } from '../mcp/executions.js';
import type { McpTools, McpToolset, ServerListing } from '../mcp/toolset.js';
import { withFields, type ToolCallReport } from '../toolcalls/index.js';
import { stickyKey } from '../experiments/assign.js';
import { completionToChunks } from '../upstream/whole-answer.js';
import { chatBody, toolsAndChoice } from './chat-body.js';
import { ChatTurn } from './chat-turn.js';
import { itemsToMessages, type ApprovalDecisions, type ChatMessage } from './input-items.js';
import { ModelCall } from './model-call.js';
import { ResponseOutput } from './output.js';
import { isObj, newId, type McpCallItem, type McpListToolsItem, type Obj, type ResponseObject } from './protocol.js';
import type { ResponsesRequest } from './request.js';
import { addUsage, newResponse } from './response-object.js';
import type { ResponseStore } from './store.js';
import type { Capture } from '../capture/pipeline.js';
import { captureApprovedCall } from './approved-capture.js';

export interface ResponsesDeps extends ProxyDeps {
  store: ResponseStore;
  mcp: McpTools;
  capture: Capture;
}

export interface RunContext {
  requestId: string;
  receivedAt: number;
  headers: Readonly<Record<string, string>>;
}

/** The request was refused before its response started: send this as the HTTP answer. */
export class RefusedResponse extends Error {
  constructor(
    readonly status: number,
    readonly headers: Record<string, string>,
    readonly body: OpenAIErrorBody,
  ) {
    super(body.error.message);
  }
}

type Failure = { status: number; headers: Record<string, string>; body: OpenAIErrorBody };

export class ResponseRun {
  readonly response: ResponseObject;
  /** The first model call's response headers (request id, backend, variant). */
  headers: Record<string, string> = {};
  private readonly abort = new AbortController();
  private readonly output: ResponseOutput;
  private readonly pending: Obj[] = [];
  private seq = 0;
  private started = false;
  private call: ModelCall | null = null;
  private steps: AnswerSteps | null = null;
  private settle: ((calls: ExecutedCall[]) => void) | null = null;
  private toolset: McpToolset | null = null;
  /** The chat conversation before this response's output, without the instructions (what is stored). */
  private context: ChatMessage[] = [];
  /** What the next model call sees. */
  private conversation: ChatMessage[] = [];
  private listed: string[] = [];
  /** Headers of the model calls (the client's, plus a session when it has none). */
  private callHeaders: Readonly<Record<string, string>>;
  private session: string | undefined;
  private readonly verdicts: unknown[] = [];
  private executed = 0;
  private readonly deadline: number;

  constructor(
    private readonly deps: ResponsesDeps,
    private readonly req: ResponsesRequest,
    private readonly ctx: RunContext,
  ) {
    this.response = newResponse(req, newId('resp'));
    this.output = new ResponseOutput(req.stream ? (e) => this.pending.push(e) : () => undefined);
    this.deadline = ctx.receivedAt + deps.cfg.mcp.maxLoopMs;
    this.callHeaders = ctx.headers;
  }

  /** The client went away: stop the model call in flight and any tool call. */
  cancel(): void {
    this.abort.abort();
    this.call?.clientGone();
    this.steps?.cancel();
  }

  async *events(): AsyncGenerator<Obj> {
    try {
      yield* this.drive();
    } finally {
      this.settle?.([]);
      await this.toolset?.close();
    }
  }

  /** Headers for a whole answer: the first call's, with the worst tool-call verdict of all calls. */
  wholeHeaders(): Record<string, string> {
    const outcomes = this.verdicts.filter(isObj).map((v) => v.outcome as ToolCallReport['outcome']);
    return { ...this.headers, ...(outcomes.length > 0 ? { 'x-toolgate-toolcalls': worstOutcome(outcomes) } : {}) };
  }

  private emit(event: Obj): void {
    this.output.emit(event);
  }

  /** The events emitted so far, numbered, once the response has started. */
  private *flush(): Generator<Obj> {
    if (!this.started) return;
    // withFields, not `{ ...e, more }` (V8's slow path; toolcalls/safe-json.ts), once per event.
    for (const e of this.pending.splice(0)) yield withFields(e, { sequence_number: this.seq++ });
  }

  private snapshot(): ResponseObject {
    return structuredClone({ ...this.response, output: this.output.items });
  }

  private async *drive(): AsyncGenerator<Obj> {
    const { req, deps } = this;
    const prev = req.previousResponseId ? await deps.store.get(req.previousResponseId) : null;
    if (req.previousResponseId && !prev) {
      throw new GatewayError(404, `Previous response with id '${req.previousResponseId}' not found.`, {
        param: 'previous_response_id',
        code: 'previous_response_not_found',
      });
    }
    // A client that gives no session (x-session-id, user, API key) would have each model call
    // assigned a variant at random: the conversation is its own session instead, so an MCP loop
    // and the turns chained to it stay on one variant (and capture groups their records).
    if (stickyKey(this.ctx.headers, { user: req.user }) === null) {
      this.session = prev?.session ?? this.response.id;
      this.callHeaders = { ...this.ctx.headers, 'x-session-id': this.session };
    }
    const input = await this.resolveReferences(req.input);
    const approvals = approvalDecisions(input);
    const history = [...(prev?.response.output ?? []), ...input] as Obj[];
    const functionNames = new Set(req.functionTools.map((t) => (t.function as { name: string }).name));
    this.toolset = req.mcp.length > 0 ? await deps.mcp.toolset(req.mcp, functionNames, this.abort.signal) : null;
    const mcpByName = this.toolset?.byName ?? new Map();
    const { tools, toolChoice } = toolsAndChoice(req, this.toolset?.chatTools ?? [], mcpByName);
    this.context = [
      ...(prev?.context ?? []),
      ...itemsToMessages((prev?.response.output ?? []) as unknown as Obj[], 'previous_response', approvals),
      ...itemsToMessages(input, 'input', approvals),
    ];
    this.conversation = [...(req.instructions ? [{ role: 'system', content: req.instructions }] : []), ...this.context];

    this.emit({ type: 'response.created', response: this.snapshot() });
    this.emit({ type: 'response.in_progress', response: this.snapshot() });
    const listed = new Set([
      ...(prev?.listed ?? []),
      ...history.filter((i) => i.type === 'mcp_list_tools').map((i) => String(i.server_label)),
    ]);
    for (const listing of this.toolset?.listings ?? []) {
      if (listed.has(listing.server.serverLabel)) continue;
      this.listTools(listing);
      listed.add(listing.server.serverLabel);
    }
    this.listed = [...listed];
    for (const [id, decision] of approvals) {
      if (!decision.approve) continue;
      const request = history.find((i) => i.type === 'mcp_approval_request' && i.id === id);
      if (!request)
        throw new GatewayError(400, `No mcp_approval_request with id '${id}' in the conversation.`, {
          param: 'input',
          code: 'approval_request_not_found',
        });
      if (history.some((i) => i.type === 'mcp_call' && i.approval_request_id === id)) continue; // already run
      yield* this.runApproved(request);
    }

    const maxSteps = deps.cfg.mcp.maxSteps;
    let incomplete: string | null = null;
    for (let step = 0; ; step++) {
      if (this.abort.signal.aborted) return;
      const used = this.response.usage?.output_tokens ?? 0;
      const remaining = req.maxOutputTokens === null ? null : req.maxOutputTokens - used;
      if (remaining !== null && remaining <= 0) {
        incomplete = 'max_output_tokens';
        break;
      }
      const { log, settle } = executionLog();
      this.settle = settle;
      const call = (this.call = new ModelCall({
        id: step === 0 ? this.ctx.requestId : `${this.ctx.requestId}-${step}`,
        model: req.model,
        stream: req.stream,
        body: chatBody(req, [...this.conversation], tools, toolChoice, remaining),
        headers: this.callHeaders,
        ...(this.toolset ? { executions: log } : {}),
      }));
      const answer = await call.run(deps).catch((err: unknown) => {
        const refusal = asGatewayError(err);
        if (refusal && (step > 0 || this.started)) return errorAnswer(refusal);
        throw err;
      });
      const failure = failureOf(answer);
      if (failure && !this.started) throw new RefusedResponse(failure.status, failure.headers, failure.body);
      if (failure) {
        yield* this.fail(failure);
        return;
      }
      if (step === 0) {
        this.headers = { ...answer.headers };
        delete this.headers['content-type'];
        this.started = req.stream;
      }
      yield* this.flush();

      const turn = new ChatTurn(this.output, mcpByName);
      let broken: Failure | null = null;
      if (answer.type === 'whole') {
        const json = answer.json ?? {};
        for (const chunk of completionToChunks(json)) turn.chunk(chunk);
        turn.chunk({ usage: json.usage, toolgate: json.toolgate });
      } else if (answer.type === 'stream') {
        this.steps = answer.steps;
        for (;;) {
          const s = await answer.steps.next();
          if (s.type === 'end') break;
          if (s.type === 'fail') {
            if (s.kind !== 'aborted') broken = streamFailure(s);
            break;
          }
          for (const chunk of s.chunks) turn.chunk(chunk);
          yield* this.flush();
        }
        this.steps = null;
      }
      const result = turn.end(broken ? 'incomplete' : undefined);
      this.response.usage = addUsage(this.response.usage, result.usage);
      if (result.verdict !== undefined) this.verdicts.push(result.verdict);
      if (result.message.content !== null || result.message.tool_calls || result.message.reasoning)
        this.conversation.push(result.message as ChatMessage);
      yield* this.flush();
      if (this.abort.signal.aborted) return;
      if (broken) {
        yield* this.fail(broken);
        return;
      }
      const calls = yield* this.execute(result.mcpCalls, step + 1 >= maxSteps);
      settle(calls);
      if (result.mcpCalls.length === 0 || result.functionCalls.length > 0 || result.approvals.length > 0) {
        if (result.finishReason === 'length') incomplete = 'max_output_tokens';
        break;
      }
      if (step + 1 >= maxSteps) {
        incomplete = 'max_tool_calls';
        break;
      }
    }
    await this.finish(incomplete);
    yield* this.flush();
  }

  /** item_reference items, replaced by the stored items they name. */
  private async resolveReferences(items: Obj[]): Promise<Obj[]> {
    const out: Obj[] = [];
    for (const [i, item] of items.entries()) {
      if (item.type !== 'item_reference') {
        out.push(item);
        continue;
      }
      const found = typeof item.id === 'string' ? await this.deps.store.getItem(item.id) : null;
      if (!found)
        throw new GatewayError(404, `Item with id '${String(item.id)}' not found.`, {
          param: `input[${i}].id`,
          code: 'item_not_found',
        });
      out.push(found);
    }
    return out;
  }

  private listTools(listing: ServerListing): void {
    const item: McpListToolsItem = {
      type: 'mcp_list_tools',
      id: newId('mcpl'),
      server_label: listing.server.serverLabel,
      tools: listing.tools.map((t) => ({
        name: t.name,
        description: t.description,
        input_schema: t.inputSchema,
        annotations: t.annotations,
      })),
      error: null,
    };
    const index = this.output.add(item);
    this.emit({ type: 'response.mcp_list_tools.in_progress', item_id: item.id, output_index: index });
    this.emit({ type: 'response.mcp_list_tools.completed', item_id: item.id, output_index: index });
    this.output.done(index);
  }

  /** A call the client approved (mcp_approval_response): run now, before the model is asked again. */
  private async *runApproved(request: Obj): AsyncGenerator<Obj> {
    const item: McpCallItem = {
      type: 'mcp_call',
      id: newId('mcp'),
      server_label: String(request.server_label),
      name: String(request.name),
      arguments: typeof request.arguments === 'string' ? request.arguments : '{}',
      output: null,
      error: null,
      status: 'in_progress',
      approval_request_id: String(request.id),
    };
    const index = this.output.add(item);
    // The call belongs to the model turn that asked for approval: when that turn's reasoning is
    // the last message, the call joins it, and the conversation before the call ends with the prompt.
    const call = { id: item.id, type: 'function', function: { name: item.name, arguments: item.arguments } };
    const last = this.conversation.at(-1);
    const turn =
      last?.role === 'assistant' &&
      !last.tool_calls &&
      (last.content === null || last.content === undefined || last.content === '')
        ? last
        : null;
    const before = turn ? this.conversation.slice(0, -1) : [...this.conversation];
    if (turn) turn.tool_calls = [call];
    else this.conversation.push({ role: 'assistant', content: null, tool_calls: [call] });
    const offered = this.toolset?.byName.get(item.name);
    if (!offered || offered.server.serverLabel !== item.server_label) {
      this.refuseCall(index, `Not run: '${item.name}' is not a tool of an mcp server in this request.`);
      return;
    }
    const execution = yield* this.runCall(index);
    if (!execution) return;
    captureApprovedCall(this.deps.capture, {
      requestId: this.ctx.requestId,
      conversationId: this.callHeaders['x-session-id'] ?? null,
      model: this.req.model,
      messages: before,
      tools: [...this.req.functionTools, ...(this.toolset?.chatTools ?? [])],
      name: item.name,
      execution,
    });
  }

  /** Runs the MCP calls of one model answer, in order; the calls' outcomes for capture. */
  private async *execute(indices: number[], lastStep: boolean): AsyncGenerator<Obj, ExecutedCall[]> {
    const done: ExecutedCall[] = [];
    const limit = Math.min(this.deps.cfg.mcp.maxCalls, this.req.maxToolCalls ?? Infinity);
    for (const index of indices) {
      if (this.abort.signal.aborted) break;
      const item = this.output.items[index] as McpCallItem;
      this.emit({ type: 'response.mcp_call.in_progress', item_id: item.id, output_index: index });
      if (lastStep)
        this.refuseCall(
          index,
          `Not run: the response reached its limit of ${this.deps.cfg.mcp.maxSteps} model calls (mcp.maxSteps).`,
        );
      else if (this.executed >= limit)
        this.refuseCall(index, `Not run: the response reached its limit of ${limit} tool calls.`);
      else if (performance.now() > this.deadline)
        this.refuseCall(
          index,
          `Not run: the response ran out of time (mcp.maxLoopMs = ${this.deps.cfg.mcp.maxLoopMs} ms).`,
        );
      else {
        const call = yield* this.runCall(index);
        if (call) done.push(call);
      }
      yield* this.flush();
    }
    return done;
  }

  private async *runCall(index: number): AsyncGenerator<Obj, ExecutedCall | null> {
    const item = this.output.items[index] as McpCallItem;
    yield* this.flush();
    this.executed++;
    const r = await this.toolset!.execute(item.name, item.arguments, this.abort.signal);
    item.arguments = r.arguments;
    item.output = r.output;
    item.error = r.error;
    item.status = r.outcome === 'ok' ? 'completed' : 'failed';
    this.emit({
      type: r.outcome === 'ok' ? 'response.mcp_call.completed' : 'response.mcp_call.failed',
      item_id: item.id,
      output_index: index,
    });
    this.output.done(index);
    this.conversation.push({
      role: 'tool',
      tool_call_id: item.id,
      content: r.error ? `Error: ${r.error}` : (r.output ?? ''),
    });
    yield* this.flush();
    return {
      server: item.server_label,
      name: item.name,
      arguments: r.arguments,
      outcome: r.outcome,
      error: r.error,
      ms: Math.round(r.ms),
    };
  }

  /** A call the gateway does not run (limits, unknown tool): failed, and the model is told why. */
  private refuseCall(index: number, why: string): void {
    const item = this.output.items[index] as McpCallItem;
    item.status = 'failed';
    item.error = why;
    this.emit({ type: 'response.mcp_call.failed', item_id: item.id, output_index: index });
    this.output.done(index);
    this.conversation.push({ role: 'tool', tool_call_id: item.id, content: `Error: ${why}` });
  }

  private async *fail(f: Failure): AsyncGenerator<Obj> {
    const e = f.body.error;
    this.response.error = { code: e.code ?? e.type ?? 'server_error', message: e.message };
    this.emit({ type: 'error', code: e.code ?? null, message: e.message, param: e.param ?? null });
    await this.finish(null, 'failed');
    yield* this.flush();
  }

  private async finish(
    incomplete: string | null,
    status: 'completed' | 'incomplete' | 'failed' = incomplete ? 'incomplete' : 'completed',
  ): Promise<void> {
    const r = this.response;
    r.status = status;
    r.incomplete_details = incomplete ? { reason: incomplete } : null;
    r.completed_at = status === 'completed' ? Math.floor(Date.now() / 1000) : null;
    r.output = this.output.items;
    if (this.verdicts.length > 0) r.toolgate = { tool_calls: this.verdicts };
    if (r.store) await this.store();
    const type =
      status === 'completed'
        ? 'response.completed'
        : status === 'incomplete'
          ? 'response.incomplete'
          : 'response.failed';
    this.emit({ type, response: this.snapshot() });
  }

  private async store(): Promise<void> {
    const entry = {
      response: this.response,
      context: this.context,
      listed: this.listed,
      ...(this.session ? { session: this.session } : {}),
    };
    const bytes = Buffer.byteLength(JSON.stringify(entry));
    if (bytes > this.deps.cfg.responses.maxStoredBytes) {
      this.deps.log.warn('response not stored: larger than responses.maxStoredBytes', {
        requestId: this.ctx.requestId,
        bytes,
      });
      this.response.store = false;
      return;
    }
    try {
      await this.deps.store.put(structuredClone(entry));
    } catch (err) {
      this.deps.log.warn('response not stored', { requestId: this.ctx.requestId, err: (err as Error).message });
      this.response.store = false;
    }
  }
}

/** mcp_approval_response items of the input, by the request they answer. */
function approvalDecisions(input: Obj[]): ApprovalDecisions {
  const out = new Map<string, { approve: boolean; reason: string | null }>();
  input.forEach((item, i) => {
    if (item.type !== 'mcp_approval_response') return;
    if (typeof item.approval_request_id !== 'string' || typeof item.approve !== 'boolean') {
      throw new GatewayError(400, `'input[${i}]' needs approval_request_id (string) and approve (boolean).`, {
        param: `input[${i}]`,
        code: 'invalid_value',
      });
    }
    out.set(item.approval_request_id, {
      approve: item.approve,
      reason: typeof item.reason === 'string' ? item.reason : null,
    });
  });
  return out;
}

/** The error of an answer that is not a usable completion, or null. */
function failureOf(answer: Answer): Failure | null {
  if (answer.type === 'error') return { status: answer.status, headers: answer.headers, body: answer.body };
  if (answer.type === 'whole' && answer.status !== 200) {
    let body: OpenAIErrorBody | null = null;
    try {
      const parsed: unknown = JSON.parse(answer.text);
      if (isObj(parsed) && isObj(parsed.error) && typeof parsed.error.message === 'string')
        body = parsed as unknown as OpenAIErrorBody;
    } catch {
      /* not JSON: described below */
    }
    body ??= {
      error: {
        message: `upstream answered ${answer.status}`,
        type: 'upstream_error',
        param: null,
        code: `upstream_http_${answer.status}`,
      },
    };
    return { status: answer.status, headers: answer.headers, body };
  }
  return null;
}

function errorAnswer(err: GatewayError): Answer {
  return { type: 'error', status: err.status, headers: err.headers, body: err.toBody() };
}

function streamFailure(step: { kind: string; message: string; error?: Record<string, unknown> }): Failure {
  const e = isObj(step.error?.error) ? step.error.error : null;
  const type =
    step.kind === 'timeout_idle' || step.kind === 'timeout_total'
      ? 'timeout_error'
      : step.kind === 'rejected'
        ? 'invalid_response_error'
        : 'upstream_error';
  return {
    status: 502,
    headers: {},
    body: {
      error: {
        message: typeof e?.message === 'string' ? e.message : step.message,
        type: typeof e?.type === 'string' ? e.type : type,
        param: null,
        code: typeof e?.code === 'string' ? e.code : step.kind,
      },
    },
  };
}
