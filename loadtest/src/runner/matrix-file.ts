// The matrix file (YAML or JSON): which cells to run and, optionally, which server settings to
// compare. Validated once with a TypeBox schema through ajv, so a typo'd key or a wrong type is a
// clear message naming the field instead of a silently ignored setting.
import { readFile } from 'node:fs/promises';
import { Type, type Static } from '@sinclair/typebox';
import { Ajv } from 'ajv';
import { parse as parseYaml } from 'yaml';

const PositiveInt = Type.Integer({ minimum: 1 });
const Rate = Type.Union([Type.Number({ exclusiveMinimum: 0 }), Type.Literal('inf')]);

const TargetSchema = Type.Object(
  {
    label: Type.String({ minLength: 1, pattern: '^[A-Za-z0-9_.:-]+$' }),
    target: Type.String({ pattern: '^https?://' }),
    max_num_seqs: Type.Optional(PositiveInt),
    max_num_batched_tokens: Type.Optional(PositiveInt),
    pods: Type.Optional(PositiveInt),
  },
  { additionalProperties: false },
);

export const MatrixSchema = Type.Object(
  {
    model: Type.Optional(Type.String({ minLength: 1 })),
    concurrency: Type.Optional(Type.Array(PositiveInt, { minItems: 1 })),
    context: Type.Optional(Type.Array(Type.Integer({ minimum: 16 }), { minItems: 1 })),
    requests: Type.Optional(PositiveInt),
    duration_s: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
    warmup: Type.Optional(Type.Integer({ minimum: 0 })),
    max_tokens: Type.Optional(PositiveInt),
    request_rate: Type.Optional(Rate),
    burstiness: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
    seed: Type.Optional(Type.Integer()),
    tools: Type.Optional(Type.Boolean()),
    goodput: Type.Optional(
      Type.Object(
        {
          ttft_ms: Type.Optional(Type.Number({ minimum: 0 })),
          tpot_ms: Type.Optional(Type.Number({ minimum: 0 })),
          e2el_ms: Type.Optional(Type.Number({ minimum: 0 })),
        },
        { additionalProperties: false },
      ),
    ),
    ttft_p95_target_ms: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
    timeout_s: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
    targets: Type.Optional(Type.Array(TargetSchema, { minItems: 1 })),
  },
  { additionalProperties: false },
);

export type MatrixFile = Static<typeof MatrixSchema>;

const ajv = new Ajv({ allErrors: true, strict: false });
const validate = ajv.compile<MatrixFile>(MatrixSchema);

export class MatrixError extends Error {
  override name = 'MatrixError';
}

/** Parses and validates matrix text; `source` names the file in messages. */
export function parseMatrix(text: string, source = 'matrix'): MatrixFile {
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch (err) {
    throw new MatrixError(`${source}: not valid YAML/JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data))
    throw new MatrixError(`${source}: expected a mapping of settings at the top level`);
  if (!validate(data)) {
    const msgs = (validate.errors ?? []).map((e) => {
      const where = e.instancePath ? e.instancePath.slice(1).replaceAll('/', '.') : '(top level)';
      const extra =
        e.keyword === 'additionalProperties'
          ? ` '${String((e.params as { additionalProperty?: string }).additionalProperty)}'`
          : '';
      return `${where}: ${e.message ?? 'invalid'}${extra}`;
    });
    throw new MatrixError(`${source}: invalid matrix:\n  ${[...new Set(msgs)].join('\n  ')}`);
  }
  if (data.requests !== undefined && data.duration_s !== undefined)
    throw new MatrixError(`${source}: set either 'requests' or 'duration_s', not both`);
  const labels = (data.targets ?? []).map((t) => t.label);
  const dup = labels.find((l, i) => labels.indexOf(l) !== i);
  if (dup) throw new MatrixError(`${source}: targets: label '${dup}' is used twice`);
  return data;
}

export async function loadMatrix(file: string): Promise<MatrixFile> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new MatrixError(`cannot read matrix file '${file}': ${err instanceof Error ? err.message : String(err)}`);
  }
  return parseMatrix(text, file);
}
