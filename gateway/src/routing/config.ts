// Config schema of pools, backends, discovery, health and routing policies (composed into the
// root config). Policy options are one flat, strict object: each policy reads the keys it
// knows, unknown keys are typos and fail validation; the policy `type` itself is checked
// against the registry at start so that the message can list the known names.
import { Type, type Static } from '@sinclair/typebox';

export const engineKindSchema = Type.Union([Type.Literal('auto'), Type.Literal('vllm'), Type.Literal('llamacpp')], {
  description:
    "Inference server kind: vllm, llamacpp (llama.cpp's llama-server: its /health, model cards and llamacpp:* metrics) or auto (default: detected from /v1/models).",
});

export const backendSchema = Type.Object(
  {
    url: Type.String({
      pattern: '^https?://',
      description: 'Base URL of a vLLM or llama-server OpenAI server, e.g. http://10.0.0.7:8000',
    }),
    name: Type.Optional(Type.String({ description: 'Label used in metrics and headers; defaults to host:port.' })),
    kind: Type.Optional(engineKindSchema),
  },
  { additionalProperties: false },
);

export const policySchema = Type.Object(
  {
    type: Type.String({
      default: 'prefix',
      description: 'Routing policy: prefix (default), round_robin, least_loaded, session.',
    }),
    epsilon: Type.Optional(
      Type.Number({
        exclusiveMinimum: 0,
        description:
          'Load bound: a backend takes a request only while in-flight ≤ ⌈(1+ε)·mean⌉ (prefix, session; default 0.25).',
      }),
    ),
    bounded: Type.Optional(
      Type.Boolean({
        description: 'Apply the load bound (prefix, session; default true). false only for comparisons.',
      }),
    ),
    blockChars: Type.Optional(
      Type.Integer({
        minimum: 16,
        description: 'Prefix block size in characters of the canonical prompt (default 256).',
      }),
    ),
    indexEntries: Type.Optional(
      Type.Integer({ minimum: 1, description: 'Block-chain hashes kept in the LRU prefix index (default 200000).' }),
    ),
    header: Type.Optional(
      Type.String({
        minLength: 1,
        description: 'session: request header carrying the session key (default x-session-id); else the `user` field.',
      }),
    ),
    maxSessions: Type.Optional(
      Type.Integer({ minimum: 1, description: 'session: sticky assignments remembered (LRU, default 100000).' }),
    ),
  },
  { additionalProperties: false, default: { type: 'prefix' } },
);

export const kubernetesDiscoverySchema = Type.Object(
  {
    namespace: Type.String({ minLength: 1, description: 'Namespace of the EndpointSlices.' }),
    labelSelector: Type.String({
      minLength: 1,
      description: 'EndpointSlice label selector, e.g. kubernetes.io/service-name=vllm.',
    }),
    port: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 65535,
        description: "Backend port number (default: the slice's first port).",
      }),
    ),
    portName: Type.Optional(
      Type.String({ minLength: 1, description: 'Backend port, by its name in the slice (instead of `port`).' }),
    ),
    scheme: Type.Optional(
      Type.Union([Type.Literal('http'), Type.Literal('https')], {
        description: 'Scheme of backend URLs (default http).',
      }),
    ),
    apiUrl: Type.Optional(
      Type.String({
        pattern: '^https?://',
        description: 'API server base URL (default https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT).',
      }),
    ),
    tokenPath: Type.Optional(
      Type.String({ description: 'Bearer token file (default /var/run/secrets/kubernetes.io/serviceaccount/token).' }),
    ),
    caPath: Type.Optional(
      Type.String({
        description: 'CA bundle for the API server (default /var/run/secrets/kubernetes.io/serviceaccount/ca.crt).',
      }),
    ),
    retryMs: Type.Optional(
      Type.Integer({
        minimum: 10,
        description: 'First reconnect delay after a failed list/watch, doubled up to 30 s (default 1000).',
      }),
    ),
  },
  { additionalProperties: false },
);

export const ejectionSchema = Type.Object(
  {
    consecutiveFailures: Type.Integer({
      minimum: 1,
      default: 3,
      description: 'Consecutive upstream failures that eject a backend.',
    }),
    baseMs: Type.Integer({
      minimum: 1,
      default: 1_000,
      description: 'First ejection time; doubles with each ejection in a row.',
    }),
    maxMs: Type.Integer({ minimum: 1, default: 60_000, description: 'Longest ejection time.' }),
  },
  { additionalProperties: false, default: {} },
);

export const scrapeSchema = Type.Object(
  {
    intervalMs: Type.Integer({
      minimum: 0,
      default: 2_000,
      description: "Scrape each backend's /metrics this often (0 = off).",
    }),
    timeoutMs: Type.Integer({ minimum: 10, default: 1_000, description: 'Scrape timeout.' }),
  },
  { additionalProperties: false, default: {} },
);

export const tlsSchema = Type.Object(
  {
    caFile: Type.Optional(
      Type.String({
        minLength: 1,
        description:
          "PEM file of the CA certificates to trust for this pool's https:// backends (e.g. a private CA); it replaces Node's default trust store for them.",
      }),
    ),
  },
  { additionalProperties: false },
);

export const poolSchema = Type.Object(
  {
    backends: Type.Array(backendSchema, { default: [], description: 'Static backends.' }),
    kind: Type.Optional(engineKindSchema),
    discovery: Type.Optional(Type.Object({ kubernetes: kubernetesDiscoverySchema }, { additionalProperties: false })),
    policy: policySchema,
    ejection: ejectionSchema,
    tls: Type.Optional(tlsSchema),
    panicThreshold: Type.Integer({
      minimum: 0,
      maximum: 100,
      default: 50,
      description:
        "Healthy panic threshold (Envoy's), in percent: while fewer than this share of the pool's backends are eligible, route to every backend discovery calls ready, ejected or failing probes, rather than pile everything on the few left or answer 503. 0 = never.",
    }),
    scrape: scrapeSchema,
    toolParsing: Type.Union([Type.Literal('gateway'), Type.Literal('pod')], {
      default: 'gateway',
      description:
        'Who reads tool calls out of the model output: gateway (the pod is asked for tool_choice "none" and sends raw text; needs pods without --exclude-tools-when-tool-choice-none) or pod (its --tool-call-parser).',
    }),
  },
  { additionalProperties: false },
);

export type PolicyConfig = Static<typeof policySchema>;
export type KubernetesDiscoveryConfig = Static<typeof kubernetesDiscoverySchema>;
export type PoolConfig = Static<typeof poolSchema>;
