// Guided decoding by JSON Schema (`structured_outputs.json`, `guided_json`, `response_format`
// json_schema/json_object) as the simulator answers it: whatever the model "would have said", the
// output conforms to the schema. A scripted raw text that already conforms is what the model
// wrote under the grammar and is kept as it is (e.g. vLLM's `[{"name", "parameters"}]` array for a
// forced tool_choice); anything else — no script, prose, a malformed call, an output fault — gives
// way to a value synthesized from the schema, at any root type (object, array, ...).
import { Ajv, type ValidateFunction } from 'ajv';
import { synthesizeValue, type SynthesisContext } from './schema-args.js';

const ajv = new Ajv({ strict: false, logger: false, allErrors: false });
const validators = new Map<string, ValidateFunction | null>();
const MAX_VALIDATORS = 256;

function validatorFor(schema: Record<string, unknown>): ValidateFunction | null {
  const key = JSON.stringify(schema);
  let v = validators.get(key);
  if (v !== undefined) return v;
  try {
    v = ajv.compile(schema);
  } catch {
    v = null; // a schema Ajv cannot compile: nothing scripted can be shown to conform
  }
  if (validators.size >= MAX_VALIDATORS) validators.clear();
  validators.set(key, v);
  return v;
}

/** Whether `text` is JSON that satisfies `schema`. */
export function conformsTo(schema: Record<string, unknown>, text: string): boolean {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return false;
  }
  const validate = validatorFor(schema);
  return validate !== null && validate(value);
}

/** The guided answer: the scripted text when it conforms, else a value synthesized from the schema. */
export function guidedText(
  schema: Record<string, unknown>,
  scripted: string | undefined,
  ctx: SynthesisContext,
): string {
  if (scripted !== undefined && conformsTo(schema, scripted)) return scripted;
  return JSON.stringify(synthesizeValue(schema, 'value', ctx));
}
