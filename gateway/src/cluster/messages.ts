// The messages between the primary and its workers under `toolgate serve --workers N`, over
// Node's cluster IPC channel. Every type is prefixed `toolgate:` so that they never collide with
// other users of the channel.
import type { RouteMemo } from '../routing/policy.js';
import type { TakeResult } from '../state/token-bucket.js';

/** In-flight counts keyed by `${pool} ${backend url}`. */
export type LoadTable = Record<string, number>;

export interface ProbeMessage {
  type: 'toolgate:probe';
  pool: string;
  url: string;
  ok: boolean;
  refused: boolean;
}

/** A pick's bounded-load walk, by backend URL (see RoutePick.walk). */
export interface PlaceWalk {
  ranking: string[];
  candidates: string[];
  epsilon: number;
}

export type Ask =
  | { id: number; op: 'metrics' }
  | { id: number; op: 'rate'; key: string }
  /** A bounded-load walk to take on every worker's counts; answered with the chosen URL. */
  | { id: number; op: 'place'; pool: string; walk: PlaceWalk };

export type Answer = { id: number; ok: true; value: string | TakeResult } | { id: number; ok: false; error: string };

export type WorkerMessage =
  /** The worker's gateway is listening. */
  | { type: 'toolgate:ready'; url: string }
  /**
   * This worker's own in-flight counts (sent when they change, once per event-loop turn), which
   * include every placement with an id up to `placed` (applied, or given up on).
   */
  | { type: 'toolgate:load'; loads: LoadTable; placed: number }
  /** A routing memo to hand to the other workers. */
  | { type: 'toolgate:memo'; pool: string; memo: RouteMemo }
  /** One health probe's outcome, to hand to the other workers. */
  | ProbeMessage
  /**
   * Questions for the primary, every one asked in one event-loop turn (a burst's placements go
   * out as one message); each is answered, in a `toolgate:answers`, under its id.
   */
  | { type: 'toolgate:asks'; asks: Ask[] }
  /** This worker's registry as JSON, for an aggregation round. */
  | { type: 'toolgate:metrics'; round: number; metrics: unknown[] }
  /** Every message of one event-loop turn, in order, as one IPC message (see unbatch). */
  | { type: 'toolgate:batch'; messages: WorkerMessage[] };

export type PrimaryMessage =
  /** What the other workers have in flight, per backend. */
  | { type: 'toolgate:peer-load'; loads: LoadTable }
  | { type: 'toolgate:memo'; pool: string; memo: RouteMemo }
  | ProbeMessage
  /** Answers to `toolgate:asks` (those of one message that are known at once go back together). */
  | { type: 'toolgate:answers'; answers: Answer[] }
  /** Send `toolgate:metrics` for this aggregation round. */
  | { type: 'toolgate:collect'; round: number }
  /** Every worker has started (sent once they all have, and to a replacement when it starts). */
  | { type: 'toolgate:all-ready' }
  /** Stop accepting, finish what is in flight, exit. */
  | { type: 'toolgate:shutdown' };

export function isWorkerMessage(m: unknown): m is WorkerMessage {
  return (
    typeof m === 'object' &&
    m !== null &&
    typeof (m as { type?: unknown }).type === 'string' &&
    (m as { type: string }).type.startsWith('toolgate:')
  );
}

export const isPrimaryMessage = isWorkerMessage as (m: unknown) => m is PrimaryMessage;

/** The messages a worker sent, in order, whether one alone or a turn's batch. */
export function unbatch(m: WorkerMessage): WorkerMessage[] {
  return m.type === 'toolgate:batch'
    ? m.messages.filter((x) => isWorkerMessage(x) && x.type !== 'toolgate:batch')
    : [m];
}

export const loadKey = (pool: string, url: string) => `${pool} ${url}`;
