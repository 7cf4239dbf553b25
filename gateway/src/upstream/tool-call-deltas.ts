// Reassembles OpenAI/vLLM streamed `delta.tool_calls` fragments into whole calls: the id and
// name arrive first, the arguments string in pieces, all keyed by `index`. Used wherever the
// gateway reads a stream (tool-call transform, annotate, shadow).

export interface AssembledCall {
  id?: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export class ToolCallDeltas {
  private readonly calls = new Map<number, { id?: string; name: string; args: string }>();

  /** Adds the fragments of one delta; returns the indices they touched, in order. */
  add(fragments: unknown): number[] {
    if (!Array.isArray(fragments)) return [];
    const touched: number[] = [];
    for (const f of fragments as Array<{
      index?: unknown;
      id?: unknown;
      function?: { name?: unknown; arguments?: unknown } | null;
    }>) {
      // vLLM and OpenAI always send `index`; a server that omits it streams a single call.
      const index = typeof f?.index === 'number' ? f.index : 0;
      const cur = this.calls.get(index) ?? { name: '', args: '' };
      if (typeof f?.id === 'string' && f.id) cur.id = f.id;
      if (typeof f?.function?.name === 'string') cur.name += f.function.name;
      if (typeof f?.function?.arguments === 'string') cur.args += f.function.arguments;
      this.calls.set(index, cur);
      touched.push(index);
    }
    return touched;
  }

  get size(): number {
    return this.calls.size;
  }

  /** The call at `index` as it stands now. */
  get(index: number): AssembledCall | undefined {
    const c = this.calls.get(index);
    return c && toCall(c);
  }

  indices(): number[] {
    return [...this.calls.keys()].sort((a, b) => a - b);
  }

  /** Every call, by index. */
  toolCalls(): AssembledCall[] {
    return this.indices().map((i) => toCall(this.calls.get(i)!));
  }
}

// No leading conditional spread: V8's slow path (toolcalls/safe-json.ts withFields).
const toCall = (c: { id?: string; name: string; args: string }): AssembledCall => {
  const fn = { name: c.name, arguments: c.args };
  return c.id ? { id: c.id, type: 'function', function: fn } : { type: 'function', function: fn };
};
