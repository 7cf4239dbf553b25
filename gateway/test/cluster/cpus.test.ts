// Default worker count: CPUs this process may use, capped by a cgroup v2 CPU quota.
import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { defaultWorkerCount, quotaCpus } from '../../src/cluster/cpus.js';

describe('default worker count', () => {
  it('reads cgroup v2 cpu.max quotas, rounding up', () => {
    expect(quotaCpus('max 100000\n')).toBeNull();
    expect(quotaCpus('150000 100000\n')).toBe(2);
    expect(quotaCpus('50000 100000')).toBe(1);
    expect(quotaCpus('400000 100000')).toBe(4);
  });

  it('is the smaller of the affinity and the quota, at least 1', () => {
    expect(defaultWorkerCount(() => null)).toBe(availableParallelism());
    expect(defaultWorkerCount(() => 'max 100000')).toBe(availableParallelism());
    expect(defaultWorkerCount(() => '100000 100000')).toBe(1);
    expect(defaultWorkerCount(() => `${(availableParallelism() + 8) * 100000} 100000`)).toBe(availableParallelism());
  });
});
