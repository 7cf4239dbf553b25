// Variant assignment, pure: a pinned variant (x-toolgate-variant) when allowed, else a weighted
// choice that is sticky by a hash of the session (x-session-id header, else the `user` field,
// else the API key), so a conversation stays on one variant across requests and replicas.
import { createHash } from 'node:crypto';
import { GatewayError } from '../api/errors.js';
import type { ModelRouteConfig } from './config.js';

export interface Assignment {
  variant: string;
  reason: 'pinned' | 'sticky' | 'random';
}

/** The key a session is recognised by, or null when the request carries none. */
export function stickyKey(
  headers: Readonly<Record<string, string>>,
  body: Readonly<Record<string, unknown>>,
): string | null {
  const session = headers['x-session-id'];
  if (session) return `session:${session}`;
  if (typeof body.user === 'string' && body.user) return `user:${body.user}`;
  const auth = headers.authorization;
  if (auth && /^bearer\s+\S/i.test(auth))
    return `key:${createHash('sha256')
      .update(auth.replace(/^bearer\s+/i, ''))
      .digest('hex')}`;
  return null;
}

/** Uniform in [0, 1) from a string: the same input gives the same point on every replica. */
export function unitHash(s: string): number {
  return createHash('sha1').update(s).digest().readUInt32BE(0) / 0x1_0000_0000;
}

export function assignVariant(
  model: string,
  route: ModelRouteConfig,
  headers: Readonly<Record<string, string>>,
  body: Readonly<Record<string, unknown>>,
  random: () => number = Math.random,
): Assignment {
  const variants = route.variants ?? {};
  const pinned = headers['x-toolgate-variant'];
  if (pinned !== undefined) {
    if (!route.allowPin) {
      throw new GatewayError(403, `Pinning a variant is not allowed for model '${model}'.`, {
        code: 'variant_pin_not_allowed',
        param: 'x-toolgate-variant',
      });
    }
    if (!variants[pinned]) {
      throw new GatewayError(
        400,
        `Unknown variant '${pinned}' for model '${model}' (known: ${Object.keys(variants).join(', ')}).`,
        {
          code: 'invalid_variant',
          param: 'x-toolgate-variant',
        },
      );
    }
    return { variant: pinned, reason: 'pinned' };
  }
  const key = stickyKey(headers, body);
  const point = key === null ? random() : unitHash(`${model}\u0000${key}`);
  // Names sorted so every replica walks the same cumulative order.
  const weighted = Object.entries(variants)
    .filter(([, v]) => v.weight > 0)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const total = weighted.reduce((s, [, v]) => s + v.weight, 0);
  let acc = 0;
  for (const [name, v] of weighted) {
    acc += v.weight / total;
    if (point < acc) return { variant: name, reason: key === null ? 'random' : 'sticky' };
  }
  return { variant: weighted[weighted.length - 1]![0], reason: key === null ? 'random' : 'sticky' };
}
