// The canonical prompt: model + tools + messages (or the completions prompt), serialized with
// sorted keys so that equal requests give equal text whatever key order clients send. The
// header (model, tools, system/developer messages) comes first and each message is appended in
// order, so a conversation's next turn extends the previous turn's canonical text — which is
// what makes its block chain a prefix of the next one.
import { chainHash, cyrb53 } from './hash.js';
import { canonicalJson as stableStringify } from '../../toolcalls/safe-json.js';

/** JSON with object keys sorted at every level (the shared iterative canonical form). */
export { canonicalJson as stableStringify } from '../../toolcalls/safe-json.js';

export interface CanonicalPrompt {
  /** Full canonical text. */
  text: string;
  /** Length of the tenant header: model, tools and leading system/developer messages. */
  headerLength: number;
}

const isSystem = (m: unknown) => {
  const role = (m as { role?: unknown } | null)?.role;
  return role === 'system' || role === 'developer';
};

export function canonicalPrompt(model: string, body: Readonly<Record<string, unknown>>): CanonicalPrompt {
  const tools = Array.isArray(body.tools) ? body.tools : [];
  let text = `model:${model}\ntools:${stableStringify(tools)}\n`;
  const messages = Array.isArray(body.messages) ? body.messages : null;
  if (messages) {
    let i = 0;
    for (; i < messages.length && isSystem(messages[i]); i++) text += `${stableStringify(messages[i])}\n`;
    // Without tools or a system prompt the first user turn is what identifies the tenant.
    if (i === 0 && tools.length === 0 && messages.length > 0) text += `${stableStringify(messages[i++])}\n`;
    const headerLength = text.length;
    for (; i < messages.length; i++) text += `${stableStringify(messages[i])}\n`;
    return { text, headerLength };
  }
  const prompt = body.prompt;
  const headerLength = text.length;
  text += typeof prompt === 'string' ? prompt : stableStringify(prompt ?? '');
  return { text, headerLength };
}

export interface BlockChain {
  /** Chained hash after each full block: hashes[i] identifies text[0 .. (i+1)·blockChars). */
  hashes: number[];
  /** Hash of the tenant header (tools + system prompt): the consistent-hashing key. */
  anchor: number;
}

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
  return { hashes, anchor: cyrb53(prompt.text.slice(0, prompt.headerLength), 0x70726566) };
}
