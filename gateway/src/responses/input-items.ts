// Responses items → chat messages: the conversation the model sees, built from the stored
// history, the previous response's output and the request's input (all are items). Follows
// vLLM 0.33's construct_chat_messages_with_tool_call (entrypoints/openai/responses/utils.py):
// a function call joins the assistant message before it, reasoning becomes the assistant's
// `reasoning`, function_call_output a tool message. Beyond vLLM: MCP items (an executed call is
// a tool call plus its result; a denied approval, a call plus the refusal), `developer` as
// system, and a clear 400 for any item the gateway cannot render.
import { GatewayError } from '../api/errors.js';
import { isObj, type Obj } from './protocol.js';

export type ChatMessage = Obj & { role: string };

/** What the client decided about an mcp_approval_request (by its id). */
export type ApprovalDecisions = ReadonlyMap<string, { approve: boolean; reason: string | null }>;

const unsupported = (message: string, param: string) =>
  new GatewayError(400, message, { param, code: 'unsupported_input_item' });

/** Text of a content part list (input_text, output_text, text, refusal parts). */
function partsText(parts: unknown[], param: string): string {
  return parts
    .map((p, j) => {
      if (!isObj(p)) throw unsupported(`'${param}[${j}]' must be a content part object.`, `${param}[${j}]`);
      if (typeof p.text === 'string' && (p.type === 'input_text' || p.type === 'output_text' || p.type === 'text'))
        return p.text;
      if (p.type === 'refusal' && typeof p.refusal === 'string') return p.refusal;
      throw unsupported(`Content part type '${String(p.type)}' is not supported here.`, `${param}[${j}]`);
    })
    .join('');
}

/** A user/system message's content: text, or chat parts when it carries images. */
function userContent(content: unknown, param: string): string | Obj[] {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) throw unsupported(`'${param}' must be a string or an array of content parts.`, param);
  if (!content.some((p) => isObj(p) && p.type === 'input_image')) return partsText(content, param);
  return content.map((p, j) => {
    if (isObj(p) && p.type === 'input_image') {
      if (typeof p.image_url !== 'string')
        throw unsupported('input_image needs an image_url (file ids are not supported).', `${param}[${j}]`);
      return {
        type: 'image_url',
        image_url: { url: p.image_url, ...(typeof p.detail === 'string' ? { detail: p.detail } : {}) },
      };
    }
    return { type: 'text', text: partsText([p], param) };
  });
}

/** The text a tool result carries (function_call_output.output may be a string or parts). */
function outputText(output: unknown, param: string): string {
  if (typeof output === 'string') return output;
  if (Array.isArray(output)) return partsText(output, param);
  if (output === undefined || output === null) return '';
  return JSON.stringify(output);
}

class Builder {
  readonly messages: ChatMessage[] = [];
  /** Results of MCP calls, sent once the calls of the assistant turn are all listed. */
  private pending: ChatMessage[] = [];

  /** The open assistant message a call or text can join, or a new one. */
  private assistant(field: 'content' | 'reasoning' | 'tool_calls'): ChatMessage {
    const last = this.messages[this.messages.length - 1];
    if (last && last.role === 'assistant') {
      // A call joins the turn (results still pending are this turn's); text and reasoning join
      // only a turn that has none yet and no calls.
      if (field === 'tool_calls') return last;
      const noText = last.content === undefined || last.content === null || last.content === '';
      const free =
        field === 'content' ? noText && !last.tool_calls : last.reasoning === undefined && noText && !last.tool_calls;
      if (free && this.pending.length === 0) return last;
    }
    this.flush();
    const m: ChatMessage = { role: 'assistant', content: null };
    this.messages.push(m);
    return m;
  }

  call(id: string, name: string, args: string, result: string | null): void {
    const m = this.assistant('tool_calls');
    const calls = (m.tool_calls as Obj[] | undefined) ?? [];
    calls.push({ id, type: 'function', function: { name, arguments: args } });
    m.tool_calls = calls;
    if (result !== null) this.pending.push({ role: 'tool', tool_call_id: id, content: result });
  }

  text(text: string): void {
    const m = this.assistant('content');
    m.content = text;
  }

  reasoning(text: string): void {
    const m = this.assistant('reasoning');
    m.reasoning = text;
  }

  push(m: ChatMessage): void {
    this.flush();
    this.messages.push(m);
  }

  flush(): void {
    if (this.pending.length === 0) return;
    this.messages.push(...this.pending);
    this.pending = [];
  }
}

/**
 * Converts items (already free of item_reference) to chat messages. `param` names the items in
 * errors; `approvals` says which approval requests were answered and how.
 */
export function itemsToMessages(
  items: readonly Obj[],
  param: string,
  approvals: ApprovalDecisions = new Map(),
): ChatMessage[] {
  const b = new Builder();
  items.forEach((item, i) => {
    const at = `${param}[${i}]`;
    const type = item.type ?? (typeof item.role === 'string' ? 'message' : undefined);
    switch (type) {
      case 'message': {
        const role = item.role;
        if (role === 'assistant') {
          const content = item.content;
          b.text(
            typeof content === 'string' ? content : Array.isArray(content) ? partsText(content, `${at}.content`) : '',
          );
          return;
        }
        if (role !== 'user' && role !== 'system' && role !== 'developer') {
          throw unsupported(`'${at}.role' must be user, assistant, system or developer.`, `${at}.role`);
        }
        b.push({ role: role === 'developer' ? 'system' : role, content: userContent(item.content, `${at}.content`) });
        return;
      }
      case 'reasoning': {
        if (item.encrypted_content) throw unsupported('Encrypted reasoning content is not supported.', at);
        const first = (list: unknown) =>
          Array.isArray(list) && isObj(list[0]) && typeof list[0].text === 'string' ? list[0].text : null;
        const text = first(item.content) ?? first(item.summary);
        if (text !== null) b.reasoning(text);
        return;
      }
      case 'function_call': {
        if (typeof item.call_id !== 'string' || typeof item.name !== 'string')
          throw unsupported(`'${at}' needs call_id and name.`, at);
        b.call(
          item.call_id,
          item.name,
          typeof item.arguments === 'string' ? item.arguments : JSON.stringify(item.arguments ?? {}),
          null,
        );
        return;
      }
      case 'function_call_output': {
        if (typeof item.call_id !== 'string') throw unsupported(`'${at}.call_id' must be a string.`, `${at}.call_id`);
        b.push({ role: 'tool', tool_call_id: item.call_id, content: outputText(item.output, `${at}.output`) });
        return;
      }
      case 'mcp_call': {
        if (typeof item.id !== 'string' || typeof item.name !== 'string')
          throw unsupported(`'${at}' needs id and name.`, at);
        const result =
          typeof item.error === 'string' && item.error
            ? `Error: ${item.error}`
            : typeof item.output === 'string'
              ? item.output
              : '';
        b.call(item.id, item.name, typeof item.arguments === 'string' ? item.arguments : '{}', result);
        return;
      }
      case 'mcp_approval_request': {
        // An approved request is executed by this response (its mcp_call item follows); an
        // unanswered one says nothing to the model; a denied one is a call that was refused.
        const decision = typeof item.id === 'string' ? approvals.get(item.id) : undefined;
        if (decision && !decision.approve && typeof item.name === 'string') {
          const why = decision.reason ? `: ${decision.reason}` : '.';
          b.call(
            item.id as string,
            item.name,
            typeof item.arguments === 'string' ? item.arguments : '{}',
            `The user did not approve this tool call${why}`,
          );
        }
        return;
      }
      case 'mcp_list_tools':
      case 'mcp_approval_response':
        return; // tools are offered from the request's mcp tools; approvals are read by the run
      case 'item_reference':
        throw new GatewayError(404, `Item with id '${String(item.id)}' not found.`, {
          param: at,
          code: 'item_not_found',
        });
      default:
        throw unsupported(`Input item type '${String(type)}' is not supported by this gateway.`, `${at}.type`);
    }
  });
  b.flush();
  return b.messages;
}
