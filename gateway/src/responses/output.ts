// A response's output array and the events that announce it: adding an item emits
// `response.output_item.added`, finishing it `response.output_item.done`, each with a snapshot
// of the item as it stands (later edits never reach an event already emitted). A whole answer
// builds the same array with events going nowhere.
import type { Obj, OutputItem } from './protocol.js';

export type Emit = (event: Obj) => void;

export class ResponseOutput {
  readonly items: OutputItem[] = [];

  constructor(readonly emit: Emit) {}

  add(item: OutputItem): number {
    const index = this.items.push(item) - 1;
    this.emit({ type: 'response.output_item.added', output_index: index, item: structuredClone(item) });
    return index;
  }

  done(index: number): void {
    this.emit({ type: 'response.output_item.done', output_index: index, item: structuredClone(this.items[index]!) });
  }
}
