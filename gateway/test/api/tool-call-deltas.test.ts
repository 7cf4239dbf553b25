import { describe, expect, it } from 'vitest';
import { ToolCallDeltas } from '../../src/upstream/tool-call-deltas.js';

describe('ToolCallDeltas', () => {
  it('reassembles fragments per index, in index order', () => {
    const d = new ToolCallDeltas();
    expect(d.add([{ index: 1, id: 'b', type: 'function', function: { name: 'get_time', arguments: '' } }])).toEqual([
      1,
    ]);
    d.add([{ index: 0, id: 'a', function: { name: 'get_', arguments: '{"ci' } }]);
    d.add([
      { index: 0, function: { name: 'weather', arguments: 'ty": "Oslo"}' } },
      { index: 1, function: { arguments: '{}' } },
    ]);
    expect(d.toolCalls()).toEqual([
      { id: 'a', type: 'function', function: { name: 'get_weather', arguments: '{"city": "Oslo"}' } },
      { id: 'b', type: 'function', function: { name: 'get_time', arguments: '{}' } },
    ]);
    expect(d.indices()).toEqual([0, 1]);
    expect(d.get(1)?.function.name).toBe('get_time');
  });

  it('ignores anything that is not a fragment list and treats a missing index as call 0', () => {
    const d = new ToolCallDeltas();
    expect(d.add(undefined)).toEqual([]);
    expect(d.add('nope')).toEqual([]);
    d.add([{ function: { name: 'f', arguments: '{"a":' } }]);
    d.add([{ function: { arguments: ' 1}' } }]);
    expect(d.toolCalls()).toEqual([{ type: 'function', function: { name: 'f', arguments: '{"a": 1}' } }]);
  });
});
