// Renders chat requests the way Qwen3's chat template does, so that the tool list and system
// prompt form one shared token prefix across requests (what prefix caching and prefix-affinity
// routing exploit). Simplified where it does not change the prefix structure.
import { fromJs, pyJsonDumps } from './py-json.js';

export interface ChatToolCall {
  id?: string;
  type?: string;
  function: { name: string; arguments: string | Record<string, unknown> };
}

export interface ChatMessage {
  role: string;
  content?: unknown;
  name?: string;
  tool_calls?: ChatToolCall[];
  tool_call_id?: string;
}

export interface ChatTool {
  type: 'function';
  function: { name: string; description?: string; parameters?: Record<string, unknown> };
}

/** Text of a message's content: a string, or the text parts of a content array. */
export function messageText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content
      .map((p) =>
        p && typeof p === 'object' && typeof (p as { text?: unknown }).text === 'string'
          ? (p as { text: string }).text
          : '',
      )
      .join('');
  }
  return '';
}

const TOOLS_PREAMBLE =
  '# Tools\n\nYou may call one or more functions to assist with the user query.\n\n' +
  'You are provided with function signatures within <tools></tools> XML tags:\n<tools>';
const TOOLS_POSTAMBLE =
  '\n</tools>\n\nFor each function call, return a json object with function name and arguments within ' +
  '<tool_call></tool_call> XML tags:\n<tool_call>\n{"name": <function-name>, "arguments": <args-json-object>}\n</tool_call>';

export interface RenderOptions {
  addGenerationPrompt?: boolean;
  enableThinking?: boolean;
}

export function renderChatPrompt(
  messages: ChatMessage[],
  tools: ChatTool[] | undefined,
  opts: RenderOptions = {},
): string {
  let out = '';
  const first = messages[0];
  const hasSystem = first?.role === 'system';
  if (tools && tools.length > 0) {
    out += '<|im_start|>system\n';
    if (hasSystem) out += messageText(first.content) + '\n\n';
    out += TOOLS_PREAMBLE;
    for (const t of tools) out += '\n' + pyJsonDumps(fromJs(t));
    out += TOOLS_POSTAMBLE + '<|im_end|>\n';
  } else if (hasSystem) {
    out += `<|im_start|>system\n${messageText(first.content)}<|im_end|>\n`;
  }
  messages.forEach((m, i) => {
    if (i === 0 && hasSystem) return;
    if (m.role === 'assistant') {
      out += '<|im_start|>assistant\n' + messageText(m.content);
      (m.tool_calls ?? []).forEach((tc, j) => {
        if (j > 0 || messageText(m.content)) out += '\n';
        const args =
          typeof tc.function.arguments === 'string'
            ? tc.function.arguments
            : pyJsonDumps(fromJs(tc.function.arguments));
        out += `<tool_call>\n{"name": "${tc.function.name}", "arguments": ${args}}\n</tool_call>`;
      });
      out += '<|im_end|>\n';
    } else if (m.role === 'tool') {
      // Consecutive tool results share one user turn, as in the Qwen3 template.
      if (messages[i - 1]?.role !== 'tool') out += '<|im_start|>user';
      out += `\n<tool_response>\n${messageText(m.content)}\n</tool_response>`;
      if (messages[i + 1]?.role !== 'tool') out += '<|im_end|>\n';
    } else {
      out += `<|im_start|>${m.role}\n${messageText(m.content)}<|im_end|>\n`;
    }
  });
  if (opts.addGenerationPrompt !== false) {
    out += '<|im_start|>assistant\n';
    if (opts.enableThinking === false) out += '<think>\n\n</think>\n\n';
  }
  return out;
}
