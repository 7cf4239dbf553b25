// Which tool-call policy governs a request: the x-toolgate-policy header (when allowed), else the
// per-model setting, else the default. An unknown header value is the client's mistake: 400.
import type { GatewayConfig } from '../../config/schema.js';
import { GatewayError } from '../errors.js';

export const POLICIES = ['off', 'annotate', 'repair', 'retry', 'reject'] as const;
export type ToolCallPolicy = (typeof POLICIES)[number];

export function resolvePolicy(
  cfg: GatewayConfig['toolcalls'],
  model: string,
  header: string | undefined,
): ToolCallPolicy {
  if (header !== undefined && cfg.allowPolicyHeader) {
    const value = header.trim().toLowerCase();
    if (!(POLICIES as readonly string[]).includes(value)) {
      throw new GatewayError(400, `x-toolgate-policy must be one of ${POLICIES.join(', ')}; got '${header}'.`, {
        code: 'invalid_policy',
        param: 'x-toolgate-policy',
      });
    }
    return value as ToolCallPolicy;
  }
  return cfg.perModel[model] ?? cfg.policy;
}
