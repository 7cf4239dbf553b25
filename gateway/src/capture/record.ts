// The two record kinds the capture pipeline carries, as TypeBox schemas (static types + the JSON
// Schema that readers validate lines against). Version `v` lets future readers migrate old files.
//   tool_call   one assistant response with tools in play (issue 5 §4)
//   shadow_pair one primary response and its shadow twin (issue 5 §2)
import { Type, type Static } from '@sinclair/typebox';

const Nullable = <T extends ReturnType<typeof Type.String> | ReturnType<typeof Type.Number>>(t: T) =>
  Type.Union([t, Type.Null()]);

/** An OpenAI chat message as the client sent it (content may be text parts; extra keys are kept). */
export const chatMessageSchema = Type.Object(
  {
    role: Type.String(),
    content: Type.Optional(Type.Union([Type.String(), Type.Null(), Type.Array(Type.Unknown())])),
    name: Type.Optional(Type.String()),
    tool_call_id: Type.Optional(Type.String()),
    tool_calls: Type.Optional(Type.Array(Type.Unknown())),
  },
  { additionalProperties: true },
);

/** An OpenAI tool definition: {type: 'function', function: {name, description?, parameters?}}. */
export const toolDefSchema = Type.Object(
  {
    type: Type.String(),
    function: Type.Object(
      {
        name: Type.String(),
        description: Type.Optional(Type.String()),
        parameters: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
      },
      { additionalProperties: true },
    ),
  },
  { additionalProperties: true },
);

/** A parsed call: arguments as an object (never a JSON string). */
export const parsedCallSchema = Type.Object({
  name: Type.String(),
  arguments: Type.Record(Type.String(), Type.Unknown()),
});

export const outcomeSchema = Type.Union([
  Type.Literal('none'),
  Type.Literal('valid'),
  Type.Literal('repaired'),
  Type.Literal('invalid'),
]);

/** One MCP call the gateway ran for a model's output (Responses with MCP tools), and what became of it. */
export const executionSchema = Type.Object(
  {
    server: Type.String({ description: 'The MCP server_label.' }),
    name: Type.String(),
    arguments: Type.String({
      description: 'Arguments as sent (repaired), or as the model wrote them when they stayed invalid.',
    }),
    outcome: Type.Union([Type.Literal('ok'), Type.Literal('tool_error'), Type.Literal('schema_invalid')], {
      description:
        'ok: the tool answered; tool_error: it reported an error, timed out or could not be reached; schema_invalid: not run, the arguments did not match its inputSchema.',
    }),
    error: Nullable(Type.String()),
    ms: Type.Number(),
  },
  { additionalProperties: false },
);

const commonFields = {
  v: Type.Literal(1),
  id: Type.String({ minLength: 1, description: 'Unique record id (random UUID); readers de-duplicate on it.' }),
  ts: Type.String({ description: 'ISO-8601 time the response finished.' }),
  requestId: Nullable(Type.String()),
  conversationId: Type.Optional(
    Nullable(
      Type.String({
        description: 'Groups turns of one conversation (holdout split). Absent: derived by the exporter.',
      }),
    ),
  ),
  model: Type.String({ description: 'Public model name the client asked for.' }),
};

export const toolCallRecordSchema = Type.Object(
  {
    kind: Type.Literal('tool_call'),
    ...commonFields,
    variant: Nullable(Type.String()),
    backend: Nullable(Type.String()),
    messages: Type.Array(chatMessageSchema),
    tools: Type.Array(toolDefSchema),
    rawOutput: Type.String({
      description: 'Assistant output as the upstream produced it (content, or its tool calls as JSON).',
    }),
    outcome: outcomeSchema,
    repairs: Type.Array(Type.String(), { description: 'Repair kinds applied (toolcalls/repair-kinds.ts).' }),
    errors: Type.Array(Type.String(), { description: 'Validation errors left after repair (invalid outcome).' }),
    calls: Type.Union([Type.Array(parsedCallSchema), Type.Null()], {
      description: 'The valid (possibly repaired) calls sent to the client; null when outcome is invalid or none.',
    }),
    latency: Type.Object({ ttftMs: Nullable(Type.Number()), e2eMs: Type.Number() }),
    executions: Type.Optional(
      Type.Array(executionSchema, { description: 'MCP calls the gateway ran for this output (absent: none ran).' }),
    ),
    executable: Type.Optional(
      Type.Boolean({ description: 'Every call in `executions` ran with outcome ok (absent: nothing was executed).' }),
    ),
  },
  { additionalProperties: false },
);

export const pairSideSchema = Type.Object(
  {
    variant: Type.String(),
    backend: Nullable(Type.String()),
    outcome: Type.Union([outcomeSchema, Type.Literal('error')], { description: "'error': the request itself failed." }),
    parsed: Type.Boolean({ description: 'The output parsed into tool calls (with or without repair).' }),
    schemaValid: Type.Boolean({ description: 'The final calls validate against the tool schemas.' }),
    calls: Type.Union([Type.Array(parsedCallSchema), Type.Null()]),
    ttftMs: Nullable(Type.Number()),
    e2eMs: Nullable(Type.Number()),
    error: Type.Optional(Nullable(Type.String())),
  },
  { additionalProperties: false },
);

export const shadowPairRecordSchema = Type.Object(
  {
    kind: Type.Literal('shadow_pair'),
    ...commonFields,
    messages: Type.Optional(Type.Array(chatMessageSchema)),
    tools: Type.Optional(Type.Array(toolDefSchema)),
    primary: pairSideSchema,
    shadow: pairSideSchema,
    agree: Type.Boolean({
      description: 'Both sides made the same calls (names and canonical arguments, order-insensitive).',
    }),
  },
  { additionalProperties: false },
);

export const anyRecordSchema = Type.Union([toolCallRecordSchema, shadowPairRecordSchema]);

export type ChatMessage = Static<typeof chatMessageSchema>;
export type ToolDefRecord = Static<typeof toolDefSchema>;
export type ParsedCall = Static<typeof parsedCallSchema>;
export type ToolCallRecord = Static<typeof toolCallRecordSchema>;
export type PairSide = Static<typeof pairSideSchema>;
export type ShadowPairRecord = Static<typeof shadowPairRecordSchema>;
export type CaptureRecord = ToolCallRecord | ShadowPairRecord;
