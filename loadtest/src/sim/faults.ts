// Fault injection. Which fault a request gets is a pure function of (seed, hash of messages +
// tools): never of arrival order, so concurrent runs and eval replays agree. Output faults
// rewrite the correct answer into one of the malformed shapes small models produce (the shared
// design notes, §3); transport faults break the HTTP exchange.
import {
  generateAssistantOutput,
  type GenerationRequest,
  type GeneratedOutput,
  lastUserText,
  pickTool,
  requestContentHash,
  toolCallText,
} from './output-generator.js';
import { unitFloat } from './hash.js';
import { fromJs, pyJsonDumps } from './py-json.js';
import { contextFromText, synthesizeArguments } from './schema-args.js';

export const TRANSPORT_FAULTS = [
  'reset_before_first_byte',
  'reset_mid_stream',
  'http_500',
  'stall',
  'error_mid_stream',
] as const;
export const TOOL_CALL_FAULTS = [
  'call_only_in_think',
  'duplicate_in_think',
  'truncated_mid_call',
  'missing_close_tag',
  'extra_brace',
  'missing_brace',
  'arguments_as_string',
  'parameters_key',
  'tool_list_wrapper',
  'python_literals',
  'markdown_fence',
  'bare_json',
  'prose_around',
  'two_objects_in_one_tag',
  'array_in_one_tag',
  'trailing_comma',
  'json_comment',
  'unquoted_keys',
  'type_drift',
  'invented_argument',
  'missing_argument',
  'near_miss_name',
  'close_tag_in_string',
  'bad_escape',
  'python_call_syntax',
  'arguments_null',
] as const;
/** Applies to plain-text answers of requests that carry tools (e.g. the turn after a tool result). */
export const TEXT_FAULTS = ['call_when_no_tool_applies'] as const;

export type TransportFault = (typeof TRANSPORT_FAULTS)[number];
export type OutputFault = (typeof TOOL_CALL_FAULTS)[number] | (typeof TEXT_FAULTS)[number];
export type FaultKind = TransportFault | OutputFault;
export const ALL_FAULTS: readonly FaultKind[] = [...TRANSPORT_FAULTS, ...TOOL_CALL_FAULTS, ...TEXT_FAULTS];

export interface FaultProfile {
  /** Probability per request of each fault (they are mutually exclusive; the sum must be ≤ 1). */
  rates: Partial<Record<FaultKind, number>>;
  /** How long the `stall` fault pauses (ms). */
  stallMs: number;
}

const TYPICAL_TOOL_RATE = 0.005; // per tool-call fault: 26 × 0.5% plus the bumps below ≈ 15% of tool calls malformed
export const FAULT_PRESETS: Record<string, FaultProfile> = {
  none: { rates: {}, stallMs: 2000 },
  // Illustrative mix for a 0.6B model (not a measurement): ~13% of tool calls malformed in one of
  // the catalogued ways, a few of them more common, and ~1.5% transport failures.
  'qwen3-0.6b-typical': {
    rates: {
      ...Object.fromEntries(TOOL_CALL_FAULTS.map((f) => [f, TYPICAL_TOOL_RATE])),
      call_only_in_think: 0.01,
      missing_close_tag: 0.01,
      python_literals: 0.01,
      type_drift: 0.015,
      call_when_no_tool_applies: 0.02,
      reset_before_first_byte: 0.004,
      reset_mid_stream: 0.004,
      http_500: 0.004,
      stall: 0.003,
    },
    stallMs: 2000,
  },
};

export function resolveFaultProfile(spec: string | Partial<FaultProfile> | undefined): FaultProfile {
  if (spec === undefined) return FAULT_PRESETS.none!;
  if (typeof spec === 'string') {
    const preset = FAULT_PRESETS[spec];
    if (!preset) throw new Error(`unknown fault preset '${spec}' (known: ${Object.keys(FAULT_PRESETS).join(', ')})`);
    return preset;
  }
  const rates = spec.rates ?? {};
  let sum = 0;
  for (const [k, v] of Object.entries(rates)) {
    if (!ALL_FAULTS.includes(k as FaultKind)) throw new Error(`unknown fault '${k}' (known: ${ALL_FAULTS.join(', ')})`);
    if (typeof v !== 'number' || !(v >= 0 && v <= 1))
      throw new Error(`fault rate for '${k}' must be a number in [0, 1]`);
    sum += v;
  }
  if (sum > 1 + 1e-9) throw new Error(`fault rates sum to ${sum.toFixed(3)} > 1`);
  return { rates, stallMs: spec.stallMs ?? 2000 };
}

export function isTransportFault(f: FaultKind | null | undefined): f is TransportFault {
  return f !== null && f !== undefined && (TRANSPORT_FAULTS as readonly string[]).includes(f);
}

/** Faults that make sense for this output (a missing_argument needs an argument to drop, ...). */
export function applicableFaults(req: GenerationRequest, output: GeneratedOutput): FaultKind[] {
  const out: FaultKind[] = [...TRANSPORT_FAULTS];
  if (output.constrained) return out;
  if (output.kind === 'tool_call') {
    const hasArgs = Object.keys(output.arguments ?? {}).length > 0;
    for (const f of TOOL_CALL_FAULTS) if (hasArgs || (f !== 'type_drift' && f !== 'missing_argument')) out.push(f);
  } else if (output.kind === 'text' && (req.tools?.length ?? 0) > 0 && req.prompt === undefined) {
    out.push(...TEXT_FAULTS);
  }
  return out;
}

/** The fault for this request, or null: one uniform draw from (seed, request hash) against cumulative rates. */
export function chooseFault(
  profile: FaultProfile,
  seed: number,
  req: GenerationRequest,
  output: GeneratedOutput,
): FaultKind | null {
  const u = unitFloat(seed, requestContentHash(req), 'fault');
  let acc = 0;
  for (const f of applicableFaults(req, output)) {
    acc += profile.rates[f] ?? 0;
    if (u < acc) return f;
  }
  return null;
}

/** Python repr of a JSON-like value (single quotes, True/False/None) — what models trained on Python emit. */
function pyRepr(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(', ')}]`;
  return `{${Object.entries(v as Record<string, unknown>)
    .map(([k, x]) => `'${k}': ${pyRepr(x)}`)
    .join(', ')}}`;
}

function unquotedKeys(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(unquotedKeys).join(', ')}]`;
  if (v && typeof v === 'object')
    return `{${Object.entries(v)
      .map(([k, x]) => `${k}: ${unquotedKeys(x)}`)
      .join(', ')}}`;
  return JSON.stringify(v);
}

const dumps = (v: unknown) => pyJsonDumps(fromJs(v));
const wrap = (body: string) => `<tool_call>\n${body}\n</tool_call>`;

function nearMiss(name: string): string {
  if (name.includes('_')) return name.replace('_', '.');
  if (/[a-z][A-Z]/.test(name)) return name.replace(/([a-z])([A-Z])/, '$1_$2').toLowerCase();
  return `${name}s`;
}

function driftValue(v: unknown): unknown {
  if (typeof v === 'number') return String(v);
  if (typeof v === 'boolean') return String(v);
  if (typeof v === 'string') return v === v.toUpperCase() ? v.toLowerCase() : v.toUpperCase();
  if (Array.isArray(v)) return v.map(String).join(',');
  return v === null ? 'null' : JSON.stringify(v);
}

export interface FaultedOutput {
  text: string;
  /** Set when the fault implies the engine stopped on a length limit (truncation). */
  finishReason?: 'length';
}

/** Rewrites the correct output into the faulted one. Transport faults leave the text unchanged. */
export function applyOutputFault(
  fault: FaultKind | null,
  output: GeneratedOutput,
  req: GenerationRequest,
): FaultedOutput {
  if (fault === null || isTransportFault(fault)) return { text: output.text };
  if (fault === 'call_when_no_tool_applies') {
    const userText = lastUserText(req.messages);
    const tool = pickTool(req.tools ?? [], userText);
    if (!tool) return { text: output.text };
    return {
      text: toolCallText(tool.function.name, synthesizeArguments(tool.function.parameters, contextFromText(userText))),
    };
  }
  const name = output.toolName ?? 'tool';
  const args = output.arguments ?? {};
  const call = dumps({ name, arguments: args });
  const firstKey = Object.keys(args)[0];
  const firstString = Object.entries(args).find(([, v]) => typeof v === 'string')?.[0];
  switch (fault) {
    case 'call_only_in_think':
      return { text: `<think>\nThe user wants ${name}.\n${wrap(call)}\n</think>\n\n` };
    case 'duplicate_in_think':
      return { text: `<think>\nI will call ${name}.\n${wrap(call)}\n</think>\n\n${wrap(call)}` };
    case 'truncated_mid_call':
      return {
        text: `<tool_call>\n${call.slice(0, Math.max(8, Math.floor(call.length * 0.6)))}`,
        finishReason: 'length',
      };
    case 'missing_close_tag':
      return { text: `<tool_call>\n${call}\n` };
    case 'extra_brace':
      return { text: wrap(`${call}}`) };
    case 'missing_brace':
      return { text: wrap(call.slice(0, -1)) };
    case 'arguments_as_string':
      return { text: wrap(dumps({ name, arguments: dumps(args) })) };
    case 'parameters_key':
      return { text: wrap(dumps({ name, parameters: args })) };
    case 'tool_list_wrapper':
      return { text: wrap(dumps({ type: 'function', function: { name, arguments: args } })) };
    case 'python_literals':
      return { text: wrap(pyRepr({ name, arguments: args })) };
    case 'markdown_fence':
      return { text: '```json\n' + call + '\n```' };
    case 'bare_json':
      return { text: call };
    case 'prose_around':
      return { text: `I'll look that up for you.\n${wrap(call)}\nLet me know if you need anything else.` };
    case 'two_objects_in_one_tag':
      return { text: wrap(`${call}\n${call}`) };
    case 'array_in_one_tag':
      return { text: wrap(`[${call}, ${call}]`) };
    case 'trailing_comma': {
      const a = dumps(args);
      const argsText = a === '{}' ? '{}' : `${a.slice(0, -1)},}`;
      return { text: wrap(`{"name": ${dumps(name)}, "arguments": ${argsText},}`) };
    }
    case 'json_comment':
      return { text: wrap(`{"name": ${dumps(name)}, // calling the tool\n"arguments": ${dumps(args)}}`) };
    case 'unquoted_keys':
      return { text: wrap(unquotedKeys({ name, arguments: args })) };
    case 'type_drift':
      return { text: wrap(dumps({ name, arguments: { ...args, [firstKey!]: driftValue(args[firstKey!]) } })) };
    case 'invented_argument':
      return { text: wrap(dumps({ name, arguments: { ...args, verbose: true } })) };
    case 'missing_argument': {
      const { [firstKey!]: _dropped, ...rest } = args;
      return { text: wrap(dumps({ name, arguments: rest })) };
    }
    case 'near_miss_name':
      return { text: wrap(dumps({ name: nearMiss(name), arguments: args })) };
    case 'close_tag_in_string': {
      const key = firstString ?? 'note';
      return {
        text: wrap(dumps({ name, arguments: { ...args, [key]: `${String(args[key] ?? '')} </tool_call> done` } })),
      };
    }
    case 'bad_escape': {
      // A raw backslash before a non-escape letter: `\d` is invalid JSON (json.loads: Invalid \escape).
      const key = firstString ?? 'pattern';
      const json = dumps({ name, arguments: { ...args, [key]: `${String(args[key] ?? '')}@@` } });
      return { text: wrap(json.replace('@@', '\\d+')) };
    }
    case 'python_call_syntax': {
      const kw = Object.entries(args)
        .map(([k, v]) => `${k}=${pyRepr(v)}`)
        .join(', ');
      return { text: wrap(`${name}(${kw})`) };
    }
    case 'arguments_null':
      return { text: wrap(dumps({ name, arguments: null })) };
    default: {
      const never: never = fault;
      return never;
    }
  }
}

export interface PlannedOutput {
  output: GeneratedOutput;
  fault: FaultKind | null;
  text: string;
  finishReason?: 'length';
}

/** Correct output → chosen fault → final raw text. Exported so eval tests can predict responses. */
export function planOutput(req: GenerationRequest, seed: number, profile: FaultProfile): PlannedOutput {
  const output = generateAssistantOutput(req, seed);
  const fault = chooseFault(profile, seed, req, output);
  const faulted = applyOutputFault(fault, output, req);
  return { output, fault, text: faulted.text, ...(faulted.finishReason ? { finishReason: faulted.finishReason } : {}) };
}
