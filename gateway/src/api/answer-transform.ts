// The one way plugins read and rewrite an answer, streamed or whole (as Envoy AI Gateway's
// ResponseBody(…, endOfStream) and llm-d's response processor do): a transform sees every chunk
// of the answer in order and then its end. A streamed answer arrives as the upstream's
// chat.completion.chunk objects; a whole answer arrives as one chunk per choice (upstream/
// whole-answer.ts) and what the transforms emit is assembled back into one completion. So a
// plugin has one code path, and a stream and a whole answer to the same output agree by
// construction. Transforms compose in plugin order: one's output is the next one's input.

export type Chunk = Record<string, unknown>;
export type Chunks = Chunk[];

export interface AnswerTransform {
  /** One answer chunk; returns the chunks to pass on (none, to hold it back). */
  chunk(chunk: Chunk): Chunks | Promise<Chunks>;
  /** The answer ended ([DONE], or right after a whole answer's chunks): flush what was held. */
  end(): Chunks | Promise<Chunks>;
}

/** Chains transforms in order; null when there are none (the answer passes untouched). */
export function composeTransforms(transforms: AnswerTransform[]): AnswerTransform | null {
  if (transforms.length === 0) return null;
  if (transforms.length === 1) return transforms[0]!;
  const through = async (from: number, chunks: Chunks): Promise<Chunks> => {
    let current = chunks;
    for (let i = from; i < transforms.length && current.length > 0; i++) {
      const next: Chunks = [];
      for (const c of current) next.push(...(await transforms[i]!.chunk(c)));
      current = next;
    }
    return current;
  };
  return {
    chunk: (c) => through(0, [c]),
    async end() {
      // Each transform's end flushes into the ones after it, which then end in turn.
      let out: Chunks = [];
      for (let i = 0; i < transforms.length; i++) {
        const fed: Chunks = [];
        for (const c of out) fed.push(...(await transforms[i]!.chunk(c)));
        out = [...fed, ...(await transforms[i]!.end())];
      }
      return out;
    },
  };
}
