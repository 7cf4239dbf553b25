// OpenAI chat messages → LLaMA-Factory "sharegpt" turns (data/README.md, converter.py):
//   system → the `system` column; user → human; assistant text → gpt; assistant tool_calls →
//   function_call whose value is JSON `{"name","arguments":{…}}` (a JSON array for parallel calls,
//   as FunctionFormatter accepts); consecutive tool results → one observation, joined the way
//   LLaMA-Factory's own OpenAI converter joins them. human/observation must sit at odd positions
//   and gpt/function_call at even ones; anything that cannot be made to fit is reported, not guessed.
import type { ChatMessage, ParsedCall, ToolDefRecord } from '../record.js';
import { parseJson } from '../../toolcalls/index.js';

export type ShareGptRole = 'human' | 'gpt' | 'function_call' | 'observation';
export interface ShareGptTurn {
  from: ShareGptRole;
  value: string;
}
export interface ShareGptPrompt {
  system: string;
  turns: ShareGptTurn[];
}

export class Unconvertible extends Error {}

const OBSERVATION_JOIN = '\n</tool_response>\n<tool_response>\n';

/** Text of a message's content: a string, or the text parts of a parts array. */
export function textOf(content: ChatMessage['content']): string {
  if (content === undefined || content === null) return '';
  if (typeof content === 'string') return content;
  const parts: string[] = [];
  for (const p of content) {
    const part = p as { type?: unknown; text?: unknown };
    if (part && part.type === 'text' && typeof part.text === 'string') parts.push(part.text);
    else throw new Unconvertible('non-text content part');
  }
  return parts.join('\n');
}

/** The value of a function_call turn. */
export function functionCallValue(calls: ParsedCall[]): string {
  const objs = calls.map((c) => ({ name: c.name, arguments: c.arguments }));
  return JSON.stringify(objs.length === 1 ? objs[0] : objs);
}

function historyCalls(m: ChatMessage): ParsedCall[] {
  return (m.tool_calls ?? []).map((tc) => {
    const fn = (tc as { function?: { name?: unknown; arguments?: unknown } }).function;
    if (!fn || typeof fn.name !== 'string') throw new Unconvertible('history tool call without a name');
    let args: unknown = fn.arguments ?? {};
    if (typeof args === 'string') {
      try {
        args = args.trim() === '' ? {} : parseJson(args);
      } catch {
        throw new Unconvertible('history tool call with unparseable arguments');
      }
    }
    if (args === null || typeof args !== 'object' || Array.isArray(args))
      throw new Unconvertible('history tool call arguments are not an object');
    return { name: fn.name, arguments: args as Record<string, unknown> };
  });
}

/** Converts the request messages; the result ends with a human or observation turn. */
export function toShareGpt(messages: ChatMessage[]): ShareGptPrompt {
  const system: string[] = [];
  const turns: ShareGptTurn[] = [];
  const push = (from: ShareGptRole, value: string) => {
    const last = turns[turns.length - 1];
    if (last && last.from === from && from === 'human') last.value += `\n${value}`;
    else if (last && last.from === from && from === 'observation') last.value += OBSERVATION_JOIN + value;
    else turns.push({ from, value });
  };
  for (const m of messages) {
    switch (m.role) {
      case 'system':
      case 'developer':
        if (turns.length > 0) throw new Unconvertible('system message after the conversation started');
        system.push(textOf(m.content));
        break;
      case 'user':
        push('human', textOf(m.content));
        break;
      case 'assistant': {
        const calls = historyCalls(m);
        if (calls.length > 0) push('function_call', functionCallValue(calls));
        else push('gpt', textOf(m.content));
        break;
      }
      case 'tool':
        push('observation', textOf(m.content));
        break;
      default:
        throw new Unconvertible(`unsupported role ${JSON.stringify(m.role)}`);
    }
  }
  turns.forEach((t, i) => {
    const odd = t.from === 'human' || t.from === 'observation';
    if (odd !== (i % 2 === 0)) throw new Unconvertible('roles do not alternate (user/tool vs assistant)');
  });
  if (turns.length === 0 || turns.length % 2 === 0)
    throw new Unconvertible('conversation does not end with a user or tool turn');
  return { system: system.join('\n'), turns };
}

/** The `tools` column: a JSON string of function objects {name, description, parameters}. */
export function toolsColumn(tools: ToolDefRecord[]): string {
  return JSON.stringify(
    tools.map((t) => ({
      name: t.function.name,
      ...(t.function.description !== undefined ? { description: t.function.description } : {}),
      parameters: t.function.parameters ?? { type: 'object', properties: {} },
    })),
  );
}
