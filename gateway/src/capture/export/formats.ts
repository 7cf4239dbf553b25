// One builder per export format: a capture record → one dataset row, or the reason it has none.
//   llamafactory-sft  valid and repaired calls: the prompt, then the (repaired) call as the target
//   llamafactory-dpo  repaired calls: chosen = the repaired call, rejected = the raw model output
//   trl-grpo          valid and repaired calls: prompt messages, tools, reference call(s), and
//                     `executable` when the gateway ran the calls (MCP tools)
// A record whose calls the gateway ran and one failed (`executable: false`) is no SFT or DPO
// target: a call that validates but does not run is not one to teach.
import type { ChatMessage, ToolCallRecord } from '../record.js';
import { canonicalJson, sha256Hex } from './canonical.js';
import { functionCallValue, textOf, toolsColumn, toShareGpt, Unconvertible, type ShareGptTurn } from './sharegpt.js';

export const EXPORT_FORMATS = ['llamafactory-sft', 'llamafactory-dpo', 'trl-grpo'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface SftRow {
  conversations: ShareGptTurn[];
  system?: string;
  tools: string;
}
export interface DpoRow extends SftRow {
  chosen: ShareGptTurn;
  rejected: ShareGptTurn;
}
export interface GrpoMessage {
  role: string;
  content: string;
  tool_calls?: { type: 'function'; function: { name: string; arguments: string } }[];
  tool_call_id?: string;
}
export interface GrpoRow {
  id: string;
  conversation_id: string;
  prompt: GrpoMessage[];
  /** JSON string: the request's OpenAI tools array. */
  tools: string;
  /** JSON string: [{name, arguments}] — the reference (valid, possibly repaired) call(s). */
  reference_calls: string;
  /** The calls ran on their MCP server without error (present only when the gateway ran them). */
  executable?: boolean;
}
export type ExportRow = SftRow | DpoRow | GrpoRow;

export type BuildResult = { row: ExportRow } | { skip: string };

/** The conversation a record belongs to: its own id, else a hash of the system prompt(s) and first user turn. */
export function conversationIdOf(rec: ToolCallRecord): string {
  if (rec.conversationId) return rec.conversationId;
  const opening: unknown[] = [];
  for (const m of rec.messages) {
    opening.push({ role: m.role, content: m.content ?? null });
    if (m.role === 'user') break;
  }
  return sha256Hex(canonicalJson(opening)).slice(0, 16);
}

export function buildRow(format: ExportFormat, rec: ToolCallRecord): BuildResult {
  try {
    if (format === 'trl-grpo') return buildGrpo(rec);
    if (rec.outcome === 'invalid' || rec.outcome === 'none' || !rec.calls || rec.calls.length === 0) {
      return { skip: `no valid call (outcome ${rec.outcome})` };
    }
    if (format === 'llamafactory-dpo' && rec.outcome !== 'repaired')
      return { skip: 'not repaired (no rejected output)' };
    if (rec.executable === false) return { skip: 'not executable (an MCP call failed)' };
    const { system, turns } = toShareGpt(rec.messages);
    const target: ShareGptTurn = { from: 'function_call', value: functionCallValue(rec.calls) };
    const base = { ...(system ? { system } : {}), tools: toolsColumn(rec.tools) };
    if (format === 'llamafactory-sft') return { row: { conversations: [...turns, target], ...base } };
    return { row: { conversations: turns, chosen: target, rejected: { from: 'gpt', value: rec.rawOutput }, ...base } };
  } catch (err) {
    if (err instanceof Unconvertible) return { skip: err.message };
    throw err;
  }
}

function buildGrpo(rec: ToolCallRecord): BuildResult {
  if (rec.outcome === 'invalid' || rec.outcome === 'none' || !rec.calls || rec.calls.length === 0) {
    return { skip: `no valid call (outcome ${rec.outcome})` };
  }
  const last = rec.messages[rec.messages.length - 1];
  if (!last || (last.role !== 'user' && last.role !== 'tool'))
    return { skip: 'conversation does not end with a user or tool turn' };
  return {
    row: {
      id: rec.id,
      conversation_id: conversationIdOf(rec),
      prompt: rec.messages.map(grpoMessage),
      tools: JSON.stringify(rec.tools),
      reference_calls: JSON.stringify(rec.calls.map((c) => ({ name: c.name, arguments: c.arguments }))),
      ...(rec.executable !== undefined ? { executable: rec.executable } : {}),
    },
  };
}

function grpoMessage(m: ChatMessage): GrpoMessage {
  const out: GrpoMessage = { role: m.role, content: textOf(m.content) };
  if (m.tool_calls && m.tool_calls.length > 0) {
    out.tool_calls = m.tool_calls.map((tc) => {
      const fn = (tc as { function?: { name?: unknown; arguments?: unknown } }).function ?? {};
      const args = fn.arguments;
      return {
        type: 'function' as const,
        function: {
          name: String(fn.name ?? ''),
          arguments: typeof args === 'string' ? args : JSON.stringify(args ?? {}),
        },
      };
    });
  }
  if (m.tool_call_id) out.tool_call_id = m.tool_call_id;
  return out;
}

/** De-duplication key: the row's training content (ids excluded). */
export function contentKey(format: ExportFormat, row: ExportRow): string {
  if (format === 'trl-grpo') {
    const g = row as GrpoRow;
    return sha256Hex(canonicalJson({ p: g.prompt, t: g.tools, r: g.reference_calls }));
  }
  return sha256Hex(canonicalJson(row));
}
