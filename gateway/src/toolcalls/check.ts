// The engine: extract → normalize → resolve → coerce → validate, and the outcome of the whole
// message. Pure and synchronous; the gateway, eval and the scorer all call checkToolCalls().
import { coerceObject } from './coerce.js';
import { compileTools, isCompiledTools, type CompiledTools } from './compile-tools.js';
import { CALL_CLOSE, extractCalls, type RawCall } from './extract.js';
import { canonicalJson, isPlainObject, parseLenient } from './json-text.js';
import { normalizeCall } from './normalize.js';
import { addRepair, type RepairKind } from './repair-kinds.js';
import type {
  AssistantOutput,
  CallError,
  CheckedCall,
  CheckOptions,
  Outcome,
  ToolCallReport,
  ToolDef,
} from './types.js';
import { describeErrors } from './validator-cache.js';

function namedChoice(toolChoice: unknown): string | null {
  if (!isPlainObject(toolChoice) || !isPlainObject(toolChoice.function)) return null;
  return typeof toolChoice.function.name === 'string' ? toolChoice.function.name : null;
}

function failed(raw: RawCall, name: string | null, message: string, repairs: RepairKind[]): CheckedCall {
  return withId(raw, {
    name: name ?? '',
    arguments: {},
    argumentsJson: '{}',
    repairs,
    errors: [{ tool: name, pointer: '', message }],
    valid: false,
    fromThink: raw.fromThink,
    source: raw.source,
    raw: raw.raw,
  });
}

/** The raw call's id, when it has one, first (a leading conditional spread is V8's slow path: safe-json.ts withFields). */
const withId = (raw: RawCall, call: CheckedCall): CheckedCall => (raw.id ? { id: raw.id, ...call } : call);

function checkOne(raw: RawCall, tools: CompiledTools, parametersExpected: boolean): CheckedCall {
  const repairs = [...raw.repairs];
  const writtenName =
    isPlainObject(raw.value) && typeof raw.value.name === 'string' ? raw.value.name : (raw.nameHint ?? null);
  if (raw.error !== undefined) return failed(raw, writtenName, raw.error, repairs);
  const norm = normalizeCall(raw.value, repairs, {
    argumentsEncoded: raw.argumentsEncoded === true,
    parametersExpected,
  });
  if (!norm.ok) return failed(raw, norm.name, norm.error, repairs);
  const resolved = tools.resolver.resolve(norm.name);
  if (!resolved.ok) return failed(raw, norm.name, resolved.error, repairs);
  if (resolved.repair) addRepair(repairs, resolved.repair);
  const tool = tools.byName.get(resolved.name)!;
  const args = coerceObject(norm.arguments, tool.schema, repairs);
  const ok = tool.validator.validate(args);
  const errors: CallError[] = ok
    ? []
    : describeErrors(tool.validator.validate.errors).map((e) => ({ tool: tool.name, ...e }));
  return withId(raw, {
    name: tool.name,
    arguments: args,
    argumentsJson: JSON.stringify(args),
    repairs,
    errors,
    valid: errors.length === 0,
    fromThink: raw.fromThink,
    source: raw.source,
    raw: raw.raw,
  });
}

const sameCall = (c: CheckedCall): string => `${c.name}\u0000${c.valid}\u0000${canonicalJson(c.arguments)}`;

/**
 * A call recovered from <think> that repeats another call (same function, same arguments after
 * repair) is one call written twice — drafted while thinking, then made — not two: an agent would
 * run it twice. The copy outside <think> is kept; among think-only copies, the first. Calls that
 * differ in anything stay separate, and unreadable calls (no name) are never merged.
 */
function dropThinkCopies(calls: CheckedCall[]): CheckedCall[] {
  if (!calls.some((c) => c.fromThink)) return calls;
  const outside = new Set(calls.filter((c) => !c.fromThink).map(sameCall));
  const seen = new Set<string>();
  const dropped = new Set<string>();
  const kept: CheckedCall[] = [];
  for (const c of calls) {
    const key = sameCall(c);
    if (c.fromThink && c.name !== '' && (outside.has(key) || seen.has(key))) {
      dropped.add(key);
      continue;
    }
    if (c.fromThink) seen.add(key);
    kept.push(c);
  }
  for (const c of kept) if (dropped.has(sameCall(c))) addRepair(c.repairs, 'think_duplicate');
  return kept;
}

function outcomeOf(calls: CheckedCall[]): Outcome {
  if (calls.length === 0) return 'none';
  if (calls.some((c) => !c.valid)) return 'invalid';
  return calls.some((c) => c.repairs.length > 0) ? 'repaired' : 'valid';
}

/**
 * Checks every tool call in one assistant message against the request's tools.
 * `tools` may be the raw request array (compiled and cached here; an invalid schema throws a
 * ToolInputError) or the result of compileTools().
 */
export function checkToolCalls(
  tools: ToolDef[] | CompiledTools | unknown,
  output: AssistantOutput,
  opts: CheckOptions = {},
): ToolCallReport {
  const compiled = isCompiledTools(tools) ? tools : compileTools(tools);
  const content = typeof output.content === 'string' ? output.content : null;
  if (opts.toolChoice === 'none') return { outcome: 'none', calls: [], content, repairs: [], errors: [] };
  const required = opts.toolChoice === 'required';
  const extraction = extractCalls(
    output,
    { isToolName: (n) => compiled.resolver.has(n) },
    { expectBareArray: required },
  );
  let rawCalls = extraction.calls;
  let rest = extraction.content;
  // tool_choice {function:{name}}: vLLM guides the model to emit the arguments object alone
  const named = namedChoice(opts.toolChoice);
  if (rawCalls.length === 0 && named && content !== null) {
    const parsed = parseLenient(content.trim());
    if (parsed.ok && isPlainObject(parsed.value)) {
      const repairs: RepairKind[] = opts.guided ? [...parsed.repairs] : ['named_tool_choice', ...parsed.repairs];
      rawCalls = [
        { value: { name: named, arguments: parsed.value }, repairs, raw: content, source: 'bare', fromThink: false },
      ];
      rest = null;
    }
  }
  const calls = dropThinkCopies(rawCalls.map((r) => checkOne(r, compiled, required)));
  const repairs: RepairKind[] = [];
  const errors: CallError[] = [];
  for (const c of calls) {
    for (const k of c.repairs) addRepair(repairs, k);
    errors.push(...c.errors);
  }
  // with no call at all every </tool_call> is a stray tag: markup never reaches the client (as when streamed)
  const plain = content === null ? null : content.split(CALL_CLOSE).join('');
  return { outcome: outcomeOf(calls), calls, content: calls.length > 0 ? rest : plain, repairs, errors };
}
