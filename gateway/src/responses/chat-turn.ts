// One model call's answer, as chat.completion chunks after every plugin (the tool-call verdict
// applied), turned into output items and their stream events — the mapping vLLM 0.33 makes in
// SimpleStreamingEventProcessor (entrypoints/openai/responses/streaming_events.py):
//   delta.reasoning   → a `reasoning` item: content_part.added, reasoning_text.delta/.done
//   delta.content     → a `message` item: content_part.added, output_text.delta/.done, content_part.done
//   delta.tool_calls  → a `function_call` item: function_call_arguments.delta/.done
// and each item opens with output_item.added and closes with output_item.done when the next kind
// starts or the answer ends. A call of an MCP tool becomes an `mcp_call` item instead (arguments
// as mcp_call_arguments.delta/.done; the run finishes it after executing the call), or an
// `mcp_approval_request` when the tool needs the client's approval. A whole answer goes through
// the same code as one chunk.
import type { OfferedTool } from '../mcp/offer.js';
import type { Emit, ResponseOutput } from './output.js';
import {
  newId,
  type FunctionCallItem,
  type McpApprovalRequestItem,
  type McpCallItem,
  type MessageItem,
  type Obj,
  type ReasoningItem,
} from './protocol.js';

export interface ChatUsage {
  prompt_tokens?: number;
  completion_tokens?: number;
  prompt_tokens_details?: { cached_tokens?: number } | null;
  completion_tokens_details?: { reasoning_tokens?: number } | null;
}

export interface TurnResult {
  finishReason: string | null;
  usage: ChatUsage | null;
  /** The tool-call verdict (`toolgate.tool_calls`) of this call. */
  verdict: unknown;
  /** Output indices, by kind. */
  functionCalls: number[];
  mcpCalls: number[];
  approvals: number[];
  /** What the model said, as the chat assistant message to put in the conversation. */
  message: Obj;
}

type Open =
  | { kind: 'none' }
  | { kind: 'reasoning'; index: number; text: string }
  | { kind: 'message'; index: number; text: string }
  | { kind: 'call'; index: number; chatIndex: number; item: FunctionCallItem | McpCallItem | McpApprovalRequestItem };

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export class ChatTurn {
  private open: Open = { kind: 'none' };
  private readonly result: TurnResult = {
    finishReason: null,
    usage: null,
    verdict: undefined,
    functionCalls: [],
    mcpCalls: [],
    approvals: [],
    message: { role: 'assistant', content: null },
  };
  private readonly calls = new Map<number, number>();
  private readonly chatCalls: Obj[] = [];
  private content = '';
  private reasoning = '';
  /**
   * Whitespace that would open a message item (the "\n\n" a Qwen3 writes between `</think>` and a
   * call): held until real text follows, dropped if none does, so no blank message item appears.
   */
  private heldSpace = '';

  constructor(
    private readonly out: ResponseOutput,
    private readonly mcp: ReadonlyMap<string, OfferedTool>,
  ) {}

  private get emit(): Emit {
    return this.out.emit;
  }

  chunk(chunk: Obj): void {
    if (isObj(chunk.usage)) this.result.usage = chunk.usage;
    if (isObj(chunk.toolgate) && 'tool_calls' in chunk.toolgate) this.result.verdict = chunk.toolgate.tool_calls;
    const choices = Array.isArray(chunk.choices) ? (chunk.choices as unknown[]) : [];
    for (const choice of choices) {
      if (!isObj(choice) || (choice.index !== undefined && choice.index !== 0)) continue;
      const delta = isObj(choice.delta) ? choice.delta : {};
      const reasoning =
        typeof delta.reasoning === 'string'
          ? delta.reasoning
          : typeof delta.reasoning_content === 'string'
            ? delta.reasoning_content
            : '';
      if (reasoning) this.onReasoning(reasoning);
      if (typeof delta.content === 'string' && delta.content) this.onContent(delta.content);
      if (Array.isArray(delta.tool_calls)) for (const f of delta.tool_calls) if (isObj(f)) this.onCallFragment(f);
      if (typeof choice.finish_reason === 'string') this.result.finishReason = choice.finish_reason;
    }
  }

  /** Closes the open item; `incomplete` when the answer was cut off (length) or failed. */
  end(
    status: 'completed' | 'incomplete' = this.result.finishReason === 'length' ? 'incomplete' : 'completed',
  ): TurnResult {
    this.close(status);
    const m = this.result.message;
    if (this.content) m.content = this.content;
    if (this.reasoning) m.reasoning = this.reasoning;
    if (this.chatCalls.length > 0) m.tool_calls = this.chatCalls;
    return this.result;
  }

  private onReasoning(text: string): void {
    this.heldSpace = '';
    if (this.open.kind !== 'reasoning') {
      this.close('completed');
      const item: ReasoningItem = {
        type: 'reasoning',
        id: newId('rs'),
        summary: [],
        content: [],
        status: 'in_progress',
      };
      const index = this.out.add(item);
      this.emit({
        type: 'response.content_part.added',
        item_id: item.id,
        output_index: index,
        content_index: 0,
        part: { type: 'reasoning_text', text: '' },
      });
      this.open = { kind: 'reasoning', index, text: '' };
    }
    this.open.text += text;
    this.reasoning += text;
    this.emit({
      type: 'response.reasoning_text.delta',
      item_id: this.out.items[this.open.index]!.id,
      output_index: this.open.index,
      content_index: 0,
      delta: text,
    });
  }

  private onContent(text: string): void {
    if (this.open.kind !== 'message') {
      if (/^\s*$/.test(text)) {
        this.heldSpace += text;
        return;
      }
      text = this.heldSpace + text;
      this.heldSpace = '';
      this.close('completed');
      const item: MessageItem = {
        type: 'message',
        id: newId('msg'),
        role: 'assistant',
        status: 'in_progress',
        content: [],
      };
      const index = this.out.add(item);
      this.emit({
        type: 'response.content_part.added',
        item_id: item.id,
        output_index: index,
        content_index: 0,
        part: { type: 'output_text', text: '', annotations: [], logprobs: [] },
      });
      this.open = { kind: 'message', index, text: '' };
    }
    this.open.text += text;
    this.content += text;
    this.emit({
      type: 'response.output_text.delta',
      item_id: this.out.items[this.open.index]!.id,
      output_index: this.open.index,
      content_index: 0,
      delta: text,
      logprobs: [],
    });
  }

  private onCallFragment(f: Obj): void {
    this.heldSpace = '';
    const chatIndex = typeof f.index === 'number' ? f.index : 0;
    const fn = isObj(f.function) ? f.function : {};
    const args = typeof fn.arguments === 'string' ? fn.arguments : '';
    if (this.open.kind !== 'call' || this.open.chatIndex !== chatIndex) {
      if (this.calls.has(chatIndex)) return; // a fragment of a call already closed: vLLM never sends one
      this.close('completed');
      const name = typeof fn.name === 'string' ? fn.name : '';
      const callId = typeof f.id === 'string' && f.id ? f.id : newId('call');
      const offered = this.mcp.get(name);
      let item: FunctionCallItem | McpCallItem | McpApprovalRequestItem;
      if (!offered)
        item = { type: 'function_call', id: newId('fc'), call_id: callId, name, arguments: '', status: 'in_progress' };
      else if (offered.approval)
        item = {
          type: 'mcp_approval_request',
          id: newId('mcpr'),
          server_label: offered.server.serverLabel,
          name,
          arguments: '',
        };
      else
        item = {
          type: 'mcp_call',
          id: newId('mcp'),
          server_label: offered.server.serverLabel,
          name,
          arguments: '',
          output: null,
          error: null,
          status: 'in_progress',
          approval_request_id: null,
        };
      const index = this.out.add(item);
      this.calls.set(chatIndex, index);
      this.open = { kind: 'call', index, chatIndex, item };
    }
    if (!args) return;
    const item = this.open.item;
    item.arguments += args;
    if (item.type === 'function_call')
      this.emit({
        type: 'response.function_call_arguments.delta',
        item_id: item.id,
        output_index: this.open.index,
        delta: args,
      });
    else if (item.type === 'mcp_call')
      this.emit({
        type: 'response.mcp_call_arguments.delta',
        item_id: item.id,
        output_index: this.open.index,
        delta: args,
      });
  }

  private close(status: 'completed' | 'incomplete'): void {
    const open = this.open;
    this.open = { kind: 'none' };
    switch (open.kind) {
      case 'none':
        return;
      case 'reasoning': {
        const item = this.out.items[open.index] as ReasoningItem;
        const part = { type: 'reasoning_text' as const, text: open.text };
        item.content = [part];
        item.status = status;
        this.emit({
          type: 'response.reasoning_text.done',
          item_id: item.id,
          output_index: open.index,
          content_index: 0,
          text: open.text,
        });
        this.emit({
          type: 'response.content_part.done',
          item_id: item.id,
          output_index: open.index,
          content_index: 0,
          part,
        });
        this.out.done(open.index);
        return;
      }
      case 'message': {
        const item = this.out.items[open.index] as MessageItem;
        const part = { type: 'output_text' as const, text: open.text, annotations: [], logprobs: [] };
        item.content = [part];
        item.status = status;
        this.emit({
          type: 'response.output_text.done',
          item_id: item.id,
          output_index: open.index,
          content_index: 0,
          text: open.text,
          logprobs: [],
        });
        this.emit({
          type: 'response.content_part.done',
          item_id: item.id,
          output_index: open.index,
          content_index: 0,
          part,
        });
        this.out.done(open.index);
        return;
      }
      case 'call': {
        const item = open.item;
        const callId = item.type === 'function_call' ? item.call_id : item.id;
        this.chatCalls.push({ id: callId, type: 'function', function: { name: item.name, arguments: item.arguments } });
        if (item.type === 'function_call') {
          item.status = status;
          this.emit({
            type: 'response.function_call_arguments.done',
            item_id: item.id,
            output_index: open.index,
            name: item.name,
            arguments: item.arguments,
          });
          this.out.done(open.index);
          this.result.functionCalls.push(open.index);
        } else if (item.type === 'mcp_call') {
          // Finished by the run once the call has been executed.
          this.emit({
            type: 'response.mcp_call_arguments.done',
            item_id: item.id,
            output_index: open.index,
            arguments: item.arguments,
          });
          this.result.mcpCalls.push(open.index);
        } else {
          this.out.done(open.index);
          this.result.approvals.push(open.index);
        }
      }
    }
  }
}
