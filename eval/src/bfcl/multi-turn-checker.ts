// BFCL's multi-turn scoring, step for step as bfcl_eval/eval_checker/eval_runner.py
// (_evaluate_single_multi_turn_entry) and multi_turn_eval/multi_turn_checker.py (multi_turn_checker):
// the recorded model calls of every turn are replayed on fresh backends next to the ground-truth
// calls, and after each turn that expects calls the two must agree in state (state_checker) and the
// ground truth's results must all appear among the model's results so far (response_checker). The
// backends and both sub-checkers are BFCL's own, run in the sidecar; this file is the control flow.
import { decodeExecute, isEmptyExecuteResponse, type BfclRawResult, type BfclVerdict } from './evaluate-entry.js';
import type { BfclSidecar, PyCheck } from './sidecar.js';

/** BFCL's `result` for a multi-turn entry: per turn, per step, the model_responses; or the inference error text. */
export type MultiTurnResult = BfclRawResult[][] | string;

const fail = (errorType: string, message: string): BfclVerdict => ({ valid: false, errorType, error: [message] });

/** eval_runner: every step decoded with decode_execute; failed and empty decodes are dropped. */
export function decodeTurns(result: BfclRawResult[][]): string[][][] {
  return result.map((steps) =>
    steps.flatMap((step) => {
      try {
        const calls = decodeExecute(step);
        return isEmptyExecuteResponse(calls) ? [] : [calls];
      } catch {
        return [];
      }
    }),
  );
}

let sessionCounter = 0;

export async function checkMultiTurn(
  entry: { id: string; category: string; ground_truth: string[][] },
  result: MultiTurnResult,
  sidecar: BfclSidecar,
): Promise<BfclVerdict> {
  if (!Array.isArray(result))
    return fail(
      'multi_turn:inference_error',
      'Error during inference phase. Model did not output a list of model responses.',
    );
  const truth = entry.ground_truth;
  if (result.length !== truth.length) {
    return fail(
      'multi_turn:force_terminated',
      `Model was force-terminated during inference phase. The length of the model result turns (${result.length}) does not match the length of the ground truth turns (${truth.length}).`,
    );
  }
  const decoded = decodeTurns(result);
  const n = ++sessionCounter;
  const model = `check-${n}-model`;
  const groundTruth = `check-${n}-gt`;
  await sidecar.open(model, entry.category, entry.id, true);
  try {
    await sidecar.open(groundTruth, entry.category, entry.id, true);
    const allModelResults: string[] = [];
    for (let turn = 0; turn < truth.length; turn++) {
      const steps = decoded[turn]!;
      // The model's calls go through the same refusal guard as at inference; the ground truth is trusted.
      for (const calls of steps) allModelResults.push(...(await sidecar.exec(model, calls)).results);
      const truthResults = (await sidecar.exec(groundTruth, truth[turn]!, true)).results;
      if (truth[turn]!.length > 0 && isEmptyExecuteResponse(steps)) {
        return fail('multi_turn:empty_turn_model_response', `Model response list is empty for turn ${turn}`);
      }
      // A turn that expects no call (missing function/parameter) is not checked here; its calls ran above.
      if (truth[turn]!.length === 0) continue;
      const state = await sidecar.stateCheck(model, groundTruth);
      if (!state.valid) return verdictOf(state);
      const response = await sidecar.responseCheck(allModelResults, truthResults, turn);
      if (!response.valid) return verdictOf(response);
    }
    return { valid: true, errorType: null, error: [] };
  } finally {
    await Promise.all([sidecar.closeSession(model), sidecar.closeSession(groundTruth)]).catch(() => undefined);
  }
}

function verdictOf(check: PyCheck): BfclVerdict {
  return {
    valid: false,
    errorType: check.error_type ?? 'multi_turn:unknown',
    error: [check.error_message ?? ''],
    ...(check.details !== undefined ? { details: check.details } : {}),
  };
}
