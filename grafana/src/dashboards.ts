// The Toolgate dashboards. Histogram quantiles read the recording rules of
// grafana/rules/toolgate.rules.yaml (5m windows); rates use $__rate_interval.
import { dashboard, q, row, stat, timeseries, type Variable } from './dashboard-kit.js';

const RI = '$__rate_interval';
const MODEL: Variable = { name: 'model', label: 'Model', query: 'label_values(toolgate_requests_total, model)' };
const VARIANT: Variable = {
  name: 'variant',
  label: 'Variant',
  query: 'label_values(toolgate_tool_calls_total{model=~"$model"}, variant)',
};
const BACKEND: Variable = {
  name: 'backend',
  label: 'Backend',
  query: 'label_values(toolgate_backend_inflight, backend)',
};
const ENGINE_MODEL: Variable = {
  name: 'model_name',
  label: 'Engine model',
  query: 'label_values(vllm:num_requests_running, model_name)',
};

const quantiles = (rec: string, sel: string, by = '') =>
  ['0.5', '0.95', '0.99'].map((p) =>
    q(
      `histogram_quantile(${p}, sum by (le${by ? `, ${by}` : ''}) (${rec}{${sel}}))`,
      `p${Number(p) * 100}${by ? ` {{${by}}}` : ''}`,
    ),
  );

const overview = dashboard(
  'toolgate-overview',
  'Toolgate / Gateway overview',
  'Requests, errors, latency at the gateway (TTFT, inter-token, end to end) and the overhead the gateway adds.',
  [MODEL],
  [
    stat('Requests/s', [q(`sum(rate(toolgate_requests_total{model=~"$model"}[${RI}]))`)], { unit: 'reqps' }),
    stat(
      'Error ratio (4xx+5xx)',
      [
        q(
          `(sum(rate(toolgate_requests_total{model=~"$model", status=~"[45].."}[${RI}])) or vector(0)) / sum(rate(toolgate_requests_total{model=~"$model"}[${RI}]))`,
        ),
      ],
      { unit: 'percentunit', min: 0, max: 1 },
    ),
    stat(
      'TTFT p95',
      [q('max(model_variant_role:toolgate_time_to_first_token_seconds:p95_5m{model=~"$model", role="primary"})')],
      { unit: 's' },
    ),
    stat('Gateway overhead p99', [q('max(phase:toolgate_gateway_overhead_seconds:p99_5m)')], { unit: 's' }),
    row('Traffic'),
    timeseries(
      'Requests/s by status',
      [q(`sum by (status) (rate(toolgate_requests_total{model=~"$model"}[${RI}]))`, '{{status}}')],
      { unit: 'reqps', stack: true },
    ),
    timeseries(
      'Requests/s by model',
      [q(`sum by (model) (rate(toolgate_requests_total{model=~"$model"}[${RI}]))`, '{{model}}')],
      { unit: 'reqps' },
    ),
    timeseries(
      'Tokens/s',
      [
        q(`sum(rate(toolgate_prompt_tokens_total{model=~"$model"}[${RI}]))`, 'prompt'),
        q(`sum(rate(toolgate_generation_tokens_total{model=~"$model"}[${RI}]))`, 'generated'),
      ],
      { unit: 'short' },
    ),
    timeseries(
      'Refused: rate limit and auth',
      [
        q(`sum(rate(toolgate_rate_limited_total[${RI}]))`, 'rate limited (429)'),
        q(`sum(rate(toolgate_auth_failures_total[${RI}]))`, 'auth failures (401)'),
      ],
      { unit: 'reqps' },
    ),
    row('Latency at the gateway (primary traffic)'),
    timeseries(
      'Time to first token',
      quantiles(
        'model_variant_role_le:toolgate_time_to_first_token_seconds_bucket:rate5m',
        'model=~"$model", role="primary"',
      ),
      { unit: 's', w: 8 },
    ),
    timeseries(
      'Inter-token latency',
      quantiles(
        'model_variant_role_le:toolgate_inter_token_latency_seconds_bucket:rate5m',
        'model=~"$model", role="primary"',
      ),
      { unit: 's', w: 8 },
    ),
    timeseries(
      'End-to-end latency',
      quantiles(
        'model_variant_role_le:toolgate_e2e_request_latency_seconds_bucket:rate5m',
        'model=~"$model", role="primary"',
      ),
      { unit: 's', w: 8 },
    ),
    // endpoint: the API the client called (chat, completions, responses); a Responses request that
    // runs MCP tools is one sample per model call.
    timeseries(
      'TTFT p95 by endpoint',
      [
        q(
          `histogram_quantile(0.95, sum by (le, endpoint) (rate(toolgate_time_to_first_token_seconds_bucket{model=~"$model", role="primary"}[${RI}])))`,
          '{{endpoint}}',
        ),
      ],
      { unit: 's', w: 12 },
    ),
    timeseries(
      'End-to-end p95 by endpoint',
      [
        q(
          `histogram_quantile(0.95, sum by (le, endpoint) (rate(toolgate_e2e_request_latency_seconds_bucket{model=~"$model", role="primary"}[${RI}])))`,
          '{{endpoint}}',
        ),
      ],
      { unit: 's', w: 12 },
    ),
    timeseries(
      'Gateway overhead by phase (p50, p99)',
      [
        q(
          `histogram_quantile(0.5, sum by (le, phase) (rate(toolgate_gateway_overhead_seconds_bucket[${RI}])))`,
          'p50 {{phase}}',
        ),
        q('phase:toolgate_gateway_overhead_seconds:p99_5m', 'p99 {{phase}}'),
      ],
      { unit: 's' },
    ),
    timeseries(
      'Upstream errors and retries',
      [
        q(`sum by (kind) (rate(toolgate_upstream_errors_total[${RI}]))`, 'error {{kind}}'),
        q(`sum by (reason) (rate(toolgate_upstream_retries_total[${RI}]))`, 'retry {{reason}}'),
      ],
      { unit: 'reqps' },
    ),
  ],
);

const toolCalls = dashboard(
  'toolgate-tool-calls',
  'Toolgate / Tool-call quality',
  'Tool-call outcomes (valid, repaired, invalid) per model and variant, repair kinds, validation cost and retries.',
  [MODEL, VARIANT],
  [
    stat(
      'Invalid after repair',
      [q('max(model_variant:toolgate_tool_calls_invalid:ratio_rate5m{model=~"$model", variant=~"$variant"})')],
      { unit: 'percentunit', min: 0, max: 1 },
    ),
    stat(
      'Repaired share',
      [
        q(
          `sum(rate(toolgate_tool_calls_total{model=~"$model", variant=~"$variant", role="primary", outcome="repaired"}[${RI}])) / sum(rate(toolgate_tool_calls_total{model=~"$model", variant=~"$variant", role="primary", outcome!="none"}[${RI}]))`,
        ),
      ],
      { unit: 'percentunit', min: 0, max: 1 },
    ),
    stat('History repairs/s', [q(`sum(rate(toolgate_history_repairs_total[${RI}]))`)], { unit: 'reqps' }),
    stat(
      'Validation p99',
      [q(`histogram_quantile(0.99, sum by (le) (rate(toolgate_tool_call_validation_seconds_bucket[${RI}])))`)],
      { unit: 's' },
    ),
    timeseries(
      'Outcomes by model and variant',
      [
        q(
          `sum by (model, variant, outcome) (rate(toolgate_tool_calls_total{model=~"$model", variant=~"$variant", role="primary"}[${RI}]))`,
          '{{model}}/{{variant}} {{outcome}}',
        ),
      ],
      { unit: 'reqps', stack: true },
    ),
    timeseries(
      'Invalid ratio by variant (5m)',
      [
        q(
          'model_variant:toolgate_tool_calls_invalid:ratio_rate5m{model=~"$model", variant=~"$variant"}',
          '{{model}}/{{variant}}',
        ),
      ],
      { unit: 'percentunit', min: 0 },
    ),
    timeseries(
      'Repairs by kind',
      [
        q(
          `sum by (kind) (rate(toolgate_tool_call_repairs_total{model=~"$model", variant=~"$variant"}[${RI}]))`,
          '{{kind}}',
        ),
      ],
      { unit: 'ops', stack: true },
    ),
    timeseries(
      'Re-asks by result',
      [q(`sum by (result) (rate(toolgate_tool_call_retries_total[${RI}]))`, '{{result}}')],
      { unit: 'ops' },
    ),
  ],
);

const routing = dashboard(
  'toolgate-routing',
  'Toolgate / Routing',
  'Routing decisions and reasons, prefix matches, per-backend load, engine signals and health.',
  [BACKEND],
  [
    timeseries(
      'Decisions by policy and reason',
      [q(`sum by (policy, reason) (rate(toolgate_route_decisions_total[${RI}]))`, '{{policy}} {{reason}}')],
      { unit: 'ops', stack: true },
    ),
    timeseries('Prefix match length (blocks)', [
      q(`histogram_quantile(0.5, sum by (le) (rate(toolgate_prefix_match_blocks_bucket[${RI}])))`, 'p50'),
      q(`histogram_quantile(0.95, sum by (le) (rate(toolgate_prefix_match_blocks_bucket[${RI}])))`, 'p95'),
      q(
        `sum(rate(toolgate_prefix_match_blocks_sum[${RI}])) / sum(rate(toolgate_prefix_match_blocks_count[${RI}]))`,
        'mean',
      ),
    ]),
    timeseries(
      'Requests/s by backend',
      [q(`sum by (backend) (rate(toolgate_requests_total{backend=~"$backend"}[${RI}]))`, '{{backend}}')],
      { unit: 'reqps' },
    ),
    timeseries('In flight by backend', [
      q('sum by (backend) (toolgate_backend_inflight{backend=~"$backend"})', '{{backend}}'),
    ]),
    timeseries('Engine load seen by the gateway', [
      q('max by (backend, signal) (toolgate_backend_engine_load{backend=~"$backend"})', '{{backend}} {{signal}}'),
    ]),
    timeseries(
      'Backend health (1 = eligible)',
      [q('max by (pool, backend) (toolgate_backend_healthy{backend=~"$backend"})', '{{pool}} {{backend}}')],
      { min: 0, max: 1 },
    ),
    timeseries(
      'Upstream errors by backend',
      [
        q(
          `sum by (backend, kind) (rate(toolgate_upstream_errors_total{backend=~"$backend"}[${RI}]))`,
          '{{backend}} {{kind}}',
        ),
      ],
      { unit: 'ops' },
    ),
  ],
);

const experiments = dashboard(
  'toolgate-experiments',
  'Toolgate / A/B and shadow',
  'Variant assignment, latency and tool-call quality per variant (primary vs shadow), shadow agreement and capture.',
  [MODEL],
  [
    timeseries(
      'Assignments by variant',
      [
        q(
          `sum by (model, variant, reason) (rate(toolgate_variant_assignments_total{model=~"$model"}[${RI}]))`,
          '{{model}}/{{variant}} {{reason}}',
        ),
      ],
      { unit: 'reqps', stack: true },
    ),
    timeseries(
      'TTFT p95 by variant and role',
      [
        q(
          'max by (variant, role) (model_variant_role:toolgate_time_to_first_token_seconds:p95_5m{model=~"$model"})',
          '{{variant}} {{role}}',
        ),
      ],
      { unit: 's' },
    ),
    timeseries(
      'E2E p95 by variant and role',
      [
        q(
          'max by (variant, role) (model_variant_role:toolgate_e2e_request_latency_seconds:p95_5m{model=~"$model"})',
          '{{variant}} {{role}}',
        ),
      ],
      { unit: 's' },
    ),
    timeseries(
      'Valid-or-repaired share by variant and role',
      [
        q(
          `sum by (variant, role) (rate(toolgate_tool_calls_total{model=~"$model", outcome=~"valid|repaired"}[${RI}])) / sum by (variant, role) (rate(toolgate_tool_calls_total{model=~"$model", outcome!="none"}[${RI}]))`,
          '{{variant}} {{role}}',
        ),
      ],
      { unit: 'percentunit', min: 0, max: 1 },
    ),
    timeseries(
      'Shadow requests by result',
      [
        q(
          `sum by (variant, result) (rate(toolgate_shadow_requests_total{model=~"$model"}[${RI}]))`,
          '{{variant}} {{result}}',
        ),
      ],
      { unit: 'reqps' },
    ),
    timeseries(
      'Shadow agreement (tool calls)',
      [
        q(
          `(sum by (primary_variant, shadow_variant) (rate(toolgate_shadow_agreement_total{model=~"$model", agree="true"}[${RI}])) or sum by (primary_variant, shadow_variant) (rate(toolgate_shadow_agreement_total{model=~"$model"}[${RI}])) * 0) / sum by (primary_variant, shadow_variant) (rate(toolgate_shadow_agreement_total{model=~"$model"}[${RI}]))`,
          '{{primary_variant}} vs {{shadow_variant}}',
        ),
      ],
      { unit: 'percentunit', min: 0, max: 1 },
    ),
    row('Capture'),
    timeseries(
      'Capture records by sink and result',
      [q(`sum by (sink, result) (rate(toolgate_capture_records_total[${RI}]))`, '{{sink}} {{result}}')],
      { unit: 'ops', w: 8 },
    ),
    timeseries('Capture drops', [q(`sum(rate(toolgate_capture_dropped_total[${RI}]))`, 'dropped')], {
      unit: 'ops',
      w: 8,
    }),
    timeseries('Capture queue depth', [q('sum by (instance) (toolgate_capture_queue_depth)', '{{instance}}')], {
      w: 8,
    }),
  ],
);

const ENG = 'model_name=~"$model_name"';
const engine = dashboard(
  'toolgate-engines',
  'Toolgate / vLLM engines',
  "vLLM V1 engine metrics (labels model_name, engine) scraped from each engine pod's /metrics.",
  [ENGINE_MODEL],
  [
    timeseries('Requests running', [q(`sum by (instance) (vllm:num_requests_running{${ENG}})`, '{{instance}}')], {
      w: 8,
    }),
    timeseries('Requests waiting', [q(`sum by (instance) (vllm:num_requests_waiting{${ENG}})`, '{{instance}}')], {
      w: 8,
    }),
    timeseries('KV-cache usage', [q(`max by (instance) (vllm:kv_cache_usage_perc{${ENG}})`, '{{instance}}')], {
      unit: 'percentunit',
      min: 0,
      max: 1,
      w: 8,
    }),
    timeseries(
      'Prefix-cache hit ratio (tokens)',
      [
        q(
          `sum by (instance) (rate(vllm:prefix_cache_hits_total{${ENG}}[${RI}])) / sum by (instance) (rate(vllm:prefix_cache_queries_total{${ENG}}[${RI}]))`,
          '{{instance}}',
        ),
      ],
      { unit: 'percentunit', min: 0, max: 1 },
    ),
    timeseries('Tokens/s', [
      q(`sum by (instance) (rate(vllm:prompt_tokens_total{${ENG}}[${RI}]))`, 'prompt {{instance}}'),
      q(`sum by (instance) (rate(vllm:generation_tokens_total{${ENG}}[${RI}]))`, 'generated {{instance}}'),
    ]),
    timeseries(
      'Engine TTFT',
      [
        q(`histogram_quantile(0.5, sum by (le) (rate(vllm:time_to_first_token_seconds_bucket{${ENG}}[${RI}])))`, 'p50'),
        q(
          `histogram_quantile(0.95, sum by (le) (model_name_le:vllm:time_to_first_token_seconds_bucket:rate5m{${ENG}}))`,
          'p95 (5m)',
        ),
      ],
      { unit: 's', w: 8 },
    ),
    timeseries(
      'Engine inter-token latency',
      [
        q(
          `histogram_quantile(0.95, sum by (le) (rate(vllm:inter_token_latency_seconds_bucket{${ENG}}[${RI}])))`,
          'p95',
        ),
      ],
      { unit: 's', w: 8 },
    ),
    timeseries(
      'Engine e2e and queue time',
      [
        q(
          `histogram_quantile(0.95, sum by (le) (rate(vllm:e2e_request_latency_seconds_bucket{${ENG}}[${RI}])))`,
          'e2e p95',
        ),
        q(
          `histogram_quantile(0.95, sum by (le) (rate(vllm:request_queue_time_seconds_bucket{${ENG}}[${RI}])))`,
          'queue p95',
        ),
      ],
      { unit: 's', w: 8 },
    ),
  ],
);

/** File name (in grafana/dashboards/) → dashboard JSON. */
export const DASHBOARDS: Record<string, unknown> = {
  'toolgate-overview.json': overview,
  'toolgate-tool-calls.json': toolCalls,
  'toolgate-routing.json': routing,
  'toolgate-experiments.json': experiments,
  'toolgate-engines.json': engine,
};
