// Runs one model-issued MCP call: the arguments are checked (and repaired) against the tool's
// inputSchema by the tool-call engine first — a call that stays invalid is not sent to the
// server — then tools/call runs under a timeout and its result becomes the text the model
// reads, cut to `maxOutputBytes`. Nothing here throws: a tool error, a timeout or a dead server
// is an outcome, reported to the client (mcp_call.error) and to the model (the tool result).
import { checkToolCalls, type CompiledTools } from '../toolcalls/index.js';
import type { OfferedTool } from './offer.js';
import type { SessionPool } from './session-pool.js';
import type { CallResult } from './session.js';

export type ExecutionOutcome = 'ok' | 'tool_error' | 'schema_invalid';

export interface Execution {
  outcome: ExecutionOutcome;
  /** The arguments as sent (repaired), or as the model wrote them when invalid. */
  arguments: string;
  output: string | null;
  error: string | null;
  ms: number;
}

export interface ExecuteOptions {
  timeoutMs: number;
  maxOutputBytes: number;
  signal?: AbortSignal;
}

export async function executeCall(
  pool: SessionPool,
  offered: OfferedTool,
  compiled: CompiledTools,
  rawArguments: string,
  opts: ExecuteOptions,
): Promise<Execution> {
  const started = performance.now();
  const done = (e: Omit<Execution, 'ms'>): Execution => ({ ...e, ms: performance.now() - started });
  const name = offered.tool.name;
  const report = checkToolCalls(compiled, {
    content: null,
    tool_calls: [{ id: 'call', type: 'function', function: { name, arguments: rawArguments } }],
  });
  const call = report.calls[0];
  if (!call || !call.valid || call.name !== name) {
    const why =
      report.errors.map((e) => `${e.pointer ? `${e.pointer}: ` : ''}${e.message}`).join('; ') ||
      'not a call of this tool';
    return done({
      outcome: 'schema_invalid',
      arguments: rawArguments,
      output: null,
      error: `The arguments do not match the tool's input schema: ${why}`,
    });
  }
  try {
    const session = await pool.get({ url: offered.server.serverUrl, headers: offered.server.headers }, opts.signal);
    const result = await session.callTool(name, call.arguments, opts.timeoutMs, opts.signal);
    const text = cut(resultText(result), opts.maxOutputBytes);
    if (result.isError)
      return done({
        outcome: 'tool_error',
        arguments: call.argumentsJson,
        output: null,
        error: text || 'The tool reported an error.',
      });
    return done({ outcome: 'ok', arguments: call.argumentsJson, output: text, error: null });
  } catch (err) {
    return done({
      outcome: 'tool_error',
      arguments: call.argumentsJson,
      output: null,
      error: describe(err, opts.timeoutMs),
    });
  }
}

/** The text of a tools/call result: text parts as they are, other parts named, else the structured content. */
export function resultText(result: CallResult): string {
  const parts = Array.isArray(result.content) ? (result.content as Array<Record<string, unknown>>) : [];
  const texts = parts.map((p) => {
    if (p.type === 'text' && typeof p.text === 'string') return p.text;
    if (p.type === 'resource' && typeof (p.resource as { text?: unknown } | undefined)?.text === 'string')
      return (p.resource as { text: string }).text;
    if (p.type === 'resource' || p.type === 'resource_link')
      return `[resource ${String((p.resource as { uri?: unknown } | undefined)?.uri ?? p.uri ?? '')}]`;
    return `[${String(p.type)}${typeof p.mimeType === 'string' ? ` ${p.mimeType}` : ''}]`;
  });
  if (texts.length === 0 && result.structuredContent !== undefined) return JSON.stringify(result.structuredContent);
  if (texts.length === 0 && 'toolResult' in result) return JSON.stringify(result.toolResult);
  return texts.join('\n');
}

function cut(text: string, maxBytes: number): string {
  const bytes = Buffer.byteLength(text);
  if (bytes <= maxBytes) return text;
  return `${Buffer.from(text)
    .subarray(0, maxBytes)
    .toString('utf8')
    .replace(/\uFFFD$/, '')}\n[output truncated: ${bytes} bytes in all]`;
}

function describe(err: unknown, timeoutMs: number): string {
  const e = err as { name?: string; code?: unknown; message?: string };
  // McpError RequestTimeout (-32001): the SDK gave up waiting and cancelled the call.
  if (e?.code === -32001) return `The MCP tool did not answer within ${timeoutMs} ms.`;
  if (e?.name === 'AbortError') return 'The MCP tool call was cancelled.';
  return `MCP error: ${e?.message ?? String(err)}`;
}
