// The scoring service behind `toolgate score` and POST /v1/toolcalls/score: the strict read, the
// gateway's (repairing) verdict, name and argument checks, and — given a reference — the reward
// (docs/reward-spec.md version 2 by default; `reward: {"version": 1}` selects version 1).
import { checkToolCalls } from './check.js';
import { compileTools } from './compile-tools.js';
import { ToolInputError } from './errors.js';
import { isPlainObject } from './json-text.js';
import type { RepairKind } from './repair-kinds.js';
import {
  keyJaccard,
  matchCalls,
  schemaValid,
  scoreReward,
  valueMatches,
  type RewardBreakdown,
  type RewardOptions,
} from './reward.js';
import { readOutput, strictParse, type StrictCall } from './strict-parse.js';
import type { CallError, Outcome, ToolDef } from './types.js';

export interface ScoreInput {
  tools: ToolDef[];
  raw: string;
  reference?: StrictCall[];
  /** Reward version and options (docs/reward-spec.md); version 2 when absent. */
  reward?: RewardOptions;
}

export interface ScoreResult {
  /** The strict read of the reward's version (docs/reward-spec.md §1, or v1's strict parse). */
  parse: { ok: boolean; error?: string; calls: StrictCall[] };
  /** 1 iff every strictly parsed call names a tool and validates (spec's `schema` term, without a reference for P = []). */
  schema: { ok: boolean };
  names: { predicted: string[]; unknown: string[]; reference?: string[] };
  /** Per reference call (in order): the matched predicted index (or null), key Jaccard and value matches. */
  arguments?: { reference: number; predicted: number | null; keyJaccard: number; valueMatches: number }[];
  /** What the gateway would do with this output (lenient: extraction + repair). */
  gateway: {
    outcome: Outcome;
    repairs: RepairKind[];
    errors: CallError[];
    calls: { name: string; arguments: Record<string, unknown>; valid: boolean; repairs: RepairKind[] }[];
  };
  reward?: RewardBreakdown;
}

function bad(message: string, param: string): ToolInputError {
  return new ToolInputError(message, 'invalid_score_request', param);
}

function readReference(v: unknown): StrictCall[] {
  if (!Array.isArray(v)) throw bad('`reference` must be an array of {"name", "arguments"}', 'reference');
  return v.map((c: unknown, i) => {
    if (!isPlainObject(c) || typeof c.name !== 'string')
      throw bad(`reference[${i}] needs a string "name"`, `reference[${i}].name`);
    const args = c.arguments ?? {};
    if (!isPlainObject(args)) throw bad(`reference[${i}].arguments must be an object`, `reference[${i}].arguments`);
    return { name: c.name, arguments: args };
  });
}

const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

function readRewardOptions(v: unknown, defaultVersion: 1 | 2): RewardOptions {
  if (v === undefined || v === null) return { version: defaultVersion };
  if (!isPlainObject(v)) throw bad('`reward` must be an object {version?, schedule?, length?}', 'reward');
  for (const k of Object.keys(v)) {
    if (k !== 'version' && k !== 'schedule' && k !== 'length')
      throw bad(`unknown reward option '${k}' (known: version, schedule, length)`, `reward.${k}`);
  }
  const version = v.version ?? defaultVersion;
  if (version !== 1 && version !== 2) throw bad('`reward.version` must be 1 or 2', 'reward.version');
  const out: RewardOptions = { version };
  if (v.schedule !== undefined) {
    const sc = v.schedule;
    if (!isPlainObject(sc) || !isNumber(sc.step) || !isNumber(sc.steps) || sc.steps <= 0) {
      throw bad('`reward.schedule` must be {"step": number, "steps": number > 0}', 'reward.schedule');
    }
    out.schedule = { step: sc.step, steps: sc.steps };
  }
  if (v.length !== undefined) {
    const ln = v.length;
    if (!isPlainObject(ln) || !isNumber(ln.target) || ln.target <= 0)
      throw bad('`reward.length` must be {"target": number > 0}', 'reward.length');
    out.length = { target: ln.target };
  }
  if (version === 1 && (out.schedule || out.length))
    throw bad('reward version 1 takes no schedule or length option', 'reward.version');
  return out;
}

/** Validates a request body (HTTP or one JSONL line); throws ToolInputError (code `invalid_score_request`, or a tool's `invalid_tool_schema`). */
export function parseScoreRequest(body: unknown, defaults: { rewardVersion?: 1 | 2 } = {}): ScoreInput {
  if (!isPlainObject(body)) throw bad('request body must be a JSON object {tools, raw, reference?}', '');
  if (typeof body.raw !== 'string') throw bad("`raw` must be a string (the assistant's raw output)", 'raw');
  const tools = body.tools ?? [];
  compileTools(tools); // admission: a bad schema is refused naming the tool
  const out: ScoreInput = {
    tools: tools as ToolDef[],
    raw: body.raw,
    reward: readRewardOptions(body.reward, defaults.rewardVersion ?? 2),
  };
  if (body.reference !== undefined && body.reference !== null) out.reference = readReference(body.reference);
  return out;
}

export function scoreOutput(input: ScoreInput): ScoreResult {
  const parsed = input.reward?.version === 1 ? strictParse(input.raw) : readOutput(input.raw);
  const toolNames = new Set(input.tools.map((t) => t.function.name));
  const predicted = parsed.calls.map((c) => c.name);
  const report = checkToolCalls(input.tools, { content: input.raw });
  const result: ScoreResult = {
    parse: parsed.ok ? { ok: true, calls: parsed.calls } : { ok: false, error: parsed.error, calls: [] },
    schema: { ok: parsed.ok && schemaValid(input.tools, parsed.calls) },
    names: { predicted, unknown: predicted.filter((n) => !toolNames.has(n)) },
    gateway: {
      outcome: report.outcome,
      repairs: report.repairs,
      errors: report.errors,
      calls: report.calls.map((c) => ({ name: c.name, arguments: c.arguments, valid: c.valid, repairs: c.repairs })),
    },
  };
  if (input.reference) {
    const g = input.reference;
    const pairs = new Map(matchCalls(parsed.calls, g));
    result.names.reference = g.map((c) => c.name);
    result.arguments = g.map((gc, gi) => {
      const pi = pairs.get(gi);
      const pc = pi === undefined ? undefined : parsed.calls[pi];
      return {
        reference: gi,
        predicted: pi ?? null,
        keyJaccard: pc ? keyJaccard(gc.arguments, pc.arguments) : 0,
        valueMatches: pc ? valueMatches(gc.arguments, pc.arguments) : 0,
      };
    });
    result.reward = scoreReward({ tools: input.tools, raw: input.raw, reference: g }, input.reward);
  }
  return result;
}
