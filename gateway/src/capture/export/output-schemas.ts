// JSON Schemas of the exported rows (the contract the training converters rely on; also in
// docs/experiments-and-capture.md). Checked with ajv by the tests and, cheaply, by the exporter itself.

const turn = (roles: string[]) => ({
  type: 'object',
  required: ['from', 'value'],
  additionalProperties: false,
  properties: { from: { enum: roles }, value: { type: 'string' } },
});

export const sftRowJsonSchema = {
  $id: 'toolgate/llamafactory-sft-row',
  type: 'object',
  required: ['conversations', 'tools'],
  additionalProperties: false,
  properties: {
    conversations: { type: 'array', minItems: 2, items: turn(['human', 'gpt', 'function_call', 'observation']) },
    system: { type: 'string' },
    tools: { type: 'string', description: 'JSON array of {name, description?, parameters}' },
  },
} as const;

export const dpoRowJsonSchema = {
  $id: 'toolgate/llamafactory-dpo-row',
  type: 'object',
  required: ['conversations', 'chosen', 'rejected', 'tools'],
  additionalProperties: false,
  properties: {
    conversations: { type: 'array', minItems: 1, items: turn(['human', 'gpt', 'function_call', 'observation']) },
    chosen: turn(['function_call']),
    rejected: turn(['gpt']),
    system: { type: 'string' },
    tools: { type: 'string' },
  },
} as const;

export const grpoRowJsonSchema = {
  $id: 'toolgate/trl-grpo-row',
  type: 'object',
  required: ['id', 'conversation_id', 'prompt', 'tools', 'reference_calls'],
  additionalProperties: false,
  properties: {
    id: { type: 'string', minLength: 1 },
    conversation_id: { type: 'string', minLength: 1 },
    prompt: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['role', 'content'],
        additionalProperties: false,
        properties: {
          role: { enum: ['system', 'developer', 'user', 'assistant', 'tool'] },
          content: { type: 'string' },
          tool_calls: {
            type: 'array',
            items: {
              type: 'object',
              required: ['type', 'function'],
              additionalProperties: false,
              properties: {
                type: { const: 'function' },
                function: {
                  type: 'object',
                  required: ['name', 'arguments'],
                  additionalProperties: false,
                  properties: { name: { type: 'string' }, arguments: { type: 'string' } },
                },
              },
            },
          },
          tool_call_id: { type: 'string' },
        },
      },
    },
    tools: { type: 'string', description: 'JSON array of OpenAI tools' },
    reference_calls: { type: 'string', description: 'JSON array of {name, arguments: object}' },
    executable: {
      type: 'boolean',
      description: 'The reference calls ran on their MCP server without error (only when the gateway ran them)',
    },
  },
} as const;

/** One LLaMA-Factory dataset_info.json entry. */
export const datasetInfoEntryJsonSchema = {
  $id: 'toolgate/llamafactory-dataset-info-entry',
  type: 'object',
  required: ['file_name', 'formatting', 'columns'],
  properties: {
    file_name: { type: 'string' },
    formatting: { const: 'sharegpt' },
    ranking: { type: 'boolean' },
    columns: {
      type: 'object',
      required: ['messages', 'tools'],
      properties: {
        messages: { const: 'conversations' },
        system: { const: 'system' },
        tools: { const: 'tools' },
        chosen: { const: 'chosen' },
        rejected: { const: 'rejected' },
      },
    },
  },
} as const;
