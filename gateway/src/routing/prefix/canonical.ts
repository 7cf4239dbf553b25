// The canonical prompt: model + tools + messages (or the completions prompt), serialized with
// sorted keys so that equal requests give equal text whatever key order clients send. The
// header (model, tools, system/developer messages) comes first and each message is appended in
// order, so a conversation's next turn extends the previous turn's canonical text — which is
// what makes its block chain a prefix of the next one.
//
// Routing needs only the chain of block hashes and the header's hash, so `canonicalChain`
// streams the serialization straight into the hashes (ChainHasher): no text is built, no
// string escaped into a copy, nothing sliced. `canonicalPrompt` + `blockChain` build the same
// result from the text and are the readable definition it is tested against.
import { chainHash, chainSeed, cyrb53, cyrb53Finish, CYRB53_H1, CYRB53_H2 } from './hash.js';
import { jsonOnce } from '../../toolcalls/index.js';

/** Receives canonical text piece by piece. */
interface Sink {
  write(text: string): void;
  /** Writes `text` as JSON.stringify would (quoted and escaped). */
  writeJsonString(text: string): void;
}

/** Writes `value` as JSON with object keys sorted at every level (undefined members dropped). */
function writeStable(value: unknown, out: Sink): void {
  if (typeof value === 'string') {
    out.writeJsonString(value);
    return;
  }
  if (value === null || typeof value !== 'object') {
    out.write(JSON.stringify(value) ?? 'null');
    return;
  }
  if (Array.isArray(value)) {
    out.write('[');
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out.write(',');
      writeStable(value[i], out);
    }
    out.write(']');
    return;
  }
  const obj = value as Record<string, unknown>;
  const keys = sortedKeys(obj);
  out.write('{');
  let first = true;
  for (const k of keys) {
    if (obj[k] === undefined) continue;
    if (!first) out.write(',');
    first = false;
    out.writeJsonString(k);
    out.write(':');
    writeStable(obj[k], out);
  }
  out.write('}');
}

/**
 * Object.keys(obj).sort(), faster for the small objects JSON requests are made of: most come
 * sorted already or nearly, and an insertion sort on `<` (UTF-16 order, as sort() uses) beats
 * the generic sort there.
 */
function sortedKeys(obj: Record<string, unknown>): string[] {
  const keys = Object.keys(obj);
  if (keys.length > 24) return keys.sort();
  for (let i = 1; i < keys.length; i++) {
    const k = keys[i]!;
    let j = i - 1;
    if (keys[j]! < k) continue;
    while (j >= 0 && keys[j]! > k) {
      keys[j + 1] = keys[j]!;
      j--;
    }
    keys[j + 1] = k;
  }
  return keys;
}

const isSystem = (m: unknown) => {
  const role = (m as { role?: unknown } | null)?.role;
  return role === 'system' || role === 'developer';
};

/** A request split where its tenant header ends. */
interface Parts {
  tools: unknown[];
  /** Leading system/developer messages (or, with neither tools nor those, the first message). */
  header: unknown[];
  /** The messages after the header, or null for a completions request. */
  rest: unknown[] | null;
  prompt: unknown;
}

function split(body: Readonly<Record<string, unknown>>): Parts {
  const tools = Array.isArray(body.tools) ? body.tools : [];
  const messages = Array.isArray(body.messages) ? body.messages : null;
  if (!messages) return { tools, header: [], rest: null, prompt: body.prompt };
  let i = 0;
  while (i < messages.length && isSystem(messages[i])) i++;
  // Without tools or a system prompt the first user turn is what identifies the tenant.
  if (i === 0 && tools.length === 0 && messages.length > 0) i = 1;
  return { tools, header: messages.slice(0, i), rest: messages.slice(i), prompt: undefined };
}

function writeHeader(model: string, parts: Parts, out: Sink): void {
  out.write(`model:${model}\ntools:`);
  writeStable(parts.tools, out);
  out.write('\n');
  for (const m of parts.header) {
    writeStable(m, out);
    out.write('\n');
  }
}

function writeRest(parts: Parts, out: Sink): void {
  if (parts.rest) {
    for (const m of parts.rest) {
      writeStable(m, out);
      out.write('\n');
    }
  } else if (typeof parts.prompt === 'string') out.write(parts.prompt);
  else writeStable(parts.prompt ?? '', out);
}

/** JSON with object keys sorted at every level. */
export function stableStringify(value: unknown): string {
  const parts: string[] = [];
  writeStable(value, { write: (t) => parts.push(t), writeJsonString: (t) => parts.push(JSON.stringify(t)) });
  return parts.join('');
}

export interface CanonicalPrompt {
  /** Full canonical text. */
  text: string;
  /** Length of the tenant header: model, tools and leading system/developer messages. */
  headerLength: number;
}

export function canonicalPrompt(model: string, body: Readonly<Record<string, unknown>>): CanonicalPrompt {
  let text = '';
  const out: Sink = { write: (t) => void (text += t), writeJsonString: (t) => void (text += JSON.stringify(t)) };
  const parts = split(body);
  writeHeader(model, parts, out);
  const headerLength = text.length;
  writeRest(parts, out);
  return { text, headerLength };
}

export interface BlockChain {
  /** Chained hash after each full block: hashes[i] identifies text[0 .. (i+1)·blockChars). */
  hashes: number[];
  /** Hash of the tenant header (tools + system prompt): the consistent-hashing key. */
  anchor: number;
}

const ANCHOR_SEED = 0x70726566;

/**
 * Splits the canonical text into fixed-size blocks and chains their hashes. A trailing partial
 * block is hashed too, so short prompts still have one entry.
 */
export function blockChain(prompt: CanonicalPrompt, blockChars: number): BlockChain {
  const hashes: number[] = [];
  let parent = 0;
  for (let start = 0; start < prompt.text.length; start += blockChars) {
    parent = chainHash(parent, prompt.text.slice(start, start + blockChars));
    hashes.push(parent);
  }
  return { hashes, anchor: cyrb53(prompt.text.slice(0, prompt.headerLength), ANCHOR_SEED) };
}

/**
 * Hasher states right after the tenant header, keyed by the header's plain JSON: a tenant sends
 * the same tools and system prompt with every request, so the header — usually most of the
 * prompt — is hashed once. Bounded (LRU); headers above `maxKeyChars` are not kept.
 */
export class HeaderCache {
  private readonly map = new Map<string, HasherState>();

  constructor(
    readonly entries = 256,
    readonly maxKeyChars = 256 * 1024,
  ) {}

  get size(): number {
    return this.map.size;
  }

  get(key: string): HasherState | undefined {
    const hit = this.map.get(key);
    if (hit) {
      this.map.delete(key);
      this.map.set(key, hit);
    }
    return hit;
  }

  set(key: string, state: HasherState): void {
    if (key.length > this.maxKeyChars) return;
    this.map.set(key, state);
    if (this.map.size > this.entries) this.map.delete(this.map.keys().next().value as string);
  }
}

/** `blockChain(canonicalPrompt(model, body), blockChars)`, computed without building the text. */
export function canonicalChain(
  model: string,
  body: Readonly<Record<string, unknown>>,
  blockChars: number,
  cache?: HeaderCache,
): BlockChain {
  const parts = split(body);
  // Plain JSON (native, fast) names the header exactly; key order only costs a cache miss.
  const key = cache ? `${blockChars} ${model}\n${jsonOnce(parts.tools)}\n${JSON.stringify(parts.header)}` : null;
  const saved = key === null ? undefined : cache!.get(key);
  let hasher: ChainHasher;
  if (saved) hasher = new ChainHasher(blockChars, saved);
  else {
    hasher = new ChainHasher(blockChars);
    writeHeader(model, parts, hasher);
    hasher.endHeader();
    if (key !== null) cache!.set(key, hasher.state());
  }
  writeRest(parts, hasher);
  return hasher.finish();
}

/** Where a ChainHasher stands: enough to resume hashing from there. */
export interface HasherState {
  readonly hashes: readonly number[];
  readonly h1: number;
  readonly h2: number;
  readonly n: number;
  readonly anchor: number;
}

const HEX = '0123456789abcdef';

/**
 * cyrb53 of every block (seeded by the previous block's hash, as chainHash does) and of the
 * header, updated one UTF-16 unit at a time as the canonical text streams in.
 */
class ChainHasher implements Sink {
  private readonly hashes: number[] = [];
  private h1 = 0;
  private h2 = 0;
  private n = 0;
  // The anchor's lanes, fed until endHeader().
  private a1 = CYRB53_H1 ^ ANCHOR_SEED;
  private a2 = CYRB53_H2 ^ ANCHOR_SEED;
  private inHeader = true;
  private anchor = 0;

  constructor(
    private readonly blockChars: number,
    from?: HasherState,
  ) {
    if (!from) {
      this.startBlock(0);
      return;
    }
    this.hashes = [...from.hashes];
    this.h1 = from.h1;
    this.h2 = from.h2;
    this.n = from.n;
    this.anchor = from.anchor;
    this.inHeader = false;
  }

  /** A snapshot after endHeader(), to resume from (HeaderCache). */
  state(): HasherState {
    return { hashes: [...this.hashes], h1: this.h1, h2: this.h2, n: this.n, anchor: this.anchor };
  }

  write(text: string): void {
    this.hash(text, false);
  }

  writeJsonString(text: string): void {
    this.unit(0x22);
    this.hash(text, true);
    this.unit(0x22);
  }

  endHeader(): void {
    this.anchor = cyrb53Finish(this.a1, this.a2);
    this.inHeader = false;
  }

  finish(): BlockChain {
    if (this.n > 0) this.hashes.push(cyrb53Finish(this.h1, this.h2));
    return { hashes: this.hashes, anchor: this.anchor };
  }

  /** `uXXXX` (after the backslash), lower-case hex. */
  private escapeUnit(c: number): void {
    this.unit(0x75);
    for (let shift = 12; shift >= 0; shift -= 4) this.unit(HEX.charCodeAt((c >> shift) & 0xf));
  }

  /**
   * Feeds `text` into the lanes (the hot loop, on locals); with `json`, escaped as
   * JSON.stringify escapes string contents.
   */
  private hash(text: string, json: boolean): void {
    const blockChars = this.blockChars;
    const header = this.inHeader;
    let h1 = this.h1;
    let h2 = this.h2;
    let a1 = this.a1;
    let a2 = this.a2;
    let n = this.n;
    for (let i = 0; i < text.length; i++) {
      const ch = text.charCodeAt(i);
      if (json && (ch < 0x20 || ch === 0x22 || ch === 0x5c || (ch >= 0xd800 && ch <= 0xdfff))) {
        Object.assign(this, { h1, h2, a1, a2, n });
        i = this.escape(text, i);
        ({ h1, h2, a1, a2, n } = this);
        continue;
      }
      if (header) {
        a1 = Math.imul(a1 ^ ch, 2654435761);
        a2 = Math.imul(a2 ^ ch, 1597334677);
      }
      h1 = Math.imul(h1 ^ ch, 2654435761);
      h2 = Math.imul(h2 ^ ch, 1597334677);
      if (++n === blockChars) {
        const h = cyrb53Finish(h1, h2);
        this.hashes.push(h);
        const seed = chainSeed(h);
        h1 = CYRB53_H1 ^ seed;
        h2 = CYRB53_H2 ^ seed;
        n = 0;
      }
    }
    this.h1 = h1;
    this.h2 = h2;
    this.a1 = a1;
    this.a2 = a2;
    this.n = n;
  }

  /** Writes the JSON escape of text[i] (a pair: text[i..i+1]); returns the last index used. */
  private escape(text: string, i: number): number {
    const c = text.charCodeAt(i);
    if (c === 0x22 || c === 0x5c) {
      this.unit(0x5c);
      this.unit(c);
    } else if (c < 0x20) {
      const short =
        c === 0x08 ? 0x62 : c === 0x0c ? 0x66 : c === 0x0a ? 0x6e : c === 0x0d ? 0x72 : c === 0x09 ? 0x74 : 0;
      this.unit(0x5c);
      if (short) this.unit(short);
      else this.escapeUnit(c);
    } else if (
      c <= 0xdbff &&
      i + 1 < text.length &&
      text.charCodeAt(i + 1) >= 0xdc00 &&
      text.charCodeAt(i + 1) <= 0xdfff
    ) {
      // A surrogate pair is written as is.
      this.unit(c);
      this.unit(text.charCodeAt(++i));
    } else {
      // A lone surrogate: \udxxx, as well-formed JSON.stringify writes it.
      this.unit(0x5c);
      this.escapeUnit(c);
    }
    return i;
  }

  private unit(ch: number): void {
    if (this.inHeader) {
      this.a1 = Math.imul(this.a1 ^ ch, 2654435761);
      this.a2 = Math.imul(this.a2 ^ ch, 1597334677);
    }
    this.h1 = Math.imul(this.h1 ^ ch, 2654435761);
    this.h2 = Math.imul(this.h2 ^ ch, 1597334677);
    if (++this.n === this.blockChars) {
      const h = cyrb53Finish(this.h1, this.h2);
      this.hashes.push(h);
      this.startBlock(h);
    }
  }

  private startBlock(parent: number): void {
    const seed = chainSeed(parent);
    this.h1 = CYRB53_H1 ^ seed;
    this.h2 = CYRB53_H2 ^ seed;
    this.n = 0;
  }
}
