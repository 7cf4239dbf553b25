// What `npm run bench:peers` measures: the mock upstream directly (the ceiling of the load side),
// vllm-router (the baseline every ratio is taken against), Toolgate with tool-call checking off
// and on, Portkey and LiteLLM — each started as its users start it, in front of the same mock.
// A target is a server (some share one: both Toolgate rows are one process) plus the headers
// that select its mode. Install locations are the ones mk/bench.mk fills.
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../../gateway/test/helpers/net.js';
import { MOCK_MODEL } from './requests.js';

export const PORTKEY_VERSION = '1.15.2';
export const VENV_BIN = path.join(REPO_ROOT, '.venv/bin');
export const PORTKEY_DIR = path.join(REPO_ROOT, `.tools/portkey-${PORTKEY_VERSION}`);
const LITELLM_KEY = 'sk-toolgate-bench';

export type TargetName = 'direct' | 'vllm-router' | 'toolgate-off' | 'toolgate-checked' | 'portkey' | 'litellm';
export const TARGETS: readonly TargetName[] = [
  'direct',
  'vllm-router',
  'toolgate-off',
  'toolgate-checked',
  'portkey',
  'litellm',
];

export interface ServerSpec {
  /** Key shared by targets served by one process. */
  key: string;
  cmd: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  /** GET this until 2xx before measuring. */
  readyPath: string;
  readyHeaders?: Record<string, string>;
  startTimeoutMs: number;
  /** Why it cannot run here (not installed), or null. */
  missing: string | null;
}

export interface Target {
  name: TargetName;
  description: string;
  /** null for `direct` (the mock itself). */
  server: ServerSpec | null;
  port: number;
  headers: Record<string, string>;
}

export function defineTargets(ports: Record<string, number>, mockUrl: string, workDir: string): Target[] {
  const toolgate: ServerSpec = {
    key: 'toolgate',
    cmd: process.execPath,
    args: [
      path.join(REPO_ROOT, 'dist/gateway/src/cli/main.js'),
      'serve',
      '--host',
      '127.0.0.1',
      '--port',
      String(ports.toolgate),
      '--upstream',
      mockUrl,
    ],
    env: { LOG_LEVEL: 'warn' },
    readyPath: '/ready',
    startTimeoutMs: 60_000,
    missing: existsSync(path.join(REPO_ROOT, 'dist/gateway/src/cli/main.js'))
      ? null
      : 'dist/ not built (npm run build)',
  };
  const router = path.join(VENV_BIN, 'vllm-router');
  const litellm = path.join(VENV_BIN, 'litellm');
  const portkey = path.join(PORTKEY_DIR, 'node_modules/@portkey-ai/gateway/build/start-server.js');
  const litellmConfig = path.join(workDir, 'litellm.yaml');
  writeFileSync(
    litellmConfig,
    `model_list:\n  - model_name: ${MOCK_MODEL}\n    litellm_params:\n      model: hosted_vllm/${MOCK_MODEL}\n      api_base: ${mockUrl}/v1\n      api_key: none\n`,
  );
  return [
    {
      name: 'direct',
      description: 'the mock upstream itself (ceiling of the load side)',
      server: null,
      port: ports.mock!,
      headers: {},
    },
    {
      name: 'vllm-router',
      description: 'vllm-router 0.1.17 (Rust, PyPI), default cache_aware policy',
      server: {
        key: 'vllm-router',
        cmd: router,
        args: [
          '--worker-urls',
          mockUrl,
          '--host',
          '127.0.0.1',
          '--port',
          String(ports.router),
          '--prometheus-port',
          String(ports.routerMetrics),
          '--log-level',
          'warning',
        ],
        readyPath: '/health',
        startTimeoutMs: 60_000,
        missing: existsSync(router) ? null : 'not installed (make bench-peers-deps)',
      },
      port: ports.router!,
      headers: {},
    },
    {
      name: 'toolgate-off',
      description: 'Toolgate, `x-toolgate-policy: off` (proxy and routing only)',
      server: toolgate,
      port: ports.toolgate!,
      headers: { 'x-toolgate-policy': 'off' },
    },
    {
      name: 'toolgate-checked',
      description: 'Toolgate, default policy (every tool call parsed and checked against its schema)',
      server: toolgate,
      port: ports.toolgate!,
      headers: {},
    },
    {
      name: 'portkey',
      description: `Portkey ${PORTKEY_VERSION} (TypeScript/Hono, npm), provider openai with a custom host`,
      server: {
        key: 'portkey',
        cmd: process.execPath,
        args: [portkey, `--port=${ports.portkey}`, '--headless'],
        readyPath: '/',
        startTimeoutMs: 60_000,
        missing: existsSync(portkey) ? null : 'not installed (make bench-peers-deps)',
      },
      port: ports.portkey!,
      headers: {
        'x-portkey-provider': 'openai',
        'x-portkey-custom-host': `${mockUrl}/v1`,
        authorization: 'Bearer none',
      },
    },
    {
      name: 'litellm',
      description: 'LiteLLM proxy 1.108.7 (Python, PyPI), 1 worker',
      server: {
        key: 'litellm',
        cmd: litellm,
        args: ['--config', litellmConfig, '--host', '127.0.0.1', '--port', String(ports.litellm), '--num_workers', '1'],
        env: { LITELLM_MASTER_KEY: LITELLM_KEY },
        readyPath: '/health/liveliness',
        startTimeoutMs: 240_000,
        missing: existsSync(litellm) ? null : 'not installed (make bench-peers-deps)',
      },
      port: ports.litellm!,
      headers: { authorization: `Bearer ${LITELLM_KEY}` },
    },
  ];
}
