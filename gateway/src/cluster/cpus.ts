// How many workers `serve` starts by default: one per CPU this process may use. That is the
// smaller of the CPUs it may run on (affinity, e.g. taskset) and its cgroup's CPU quota
// (`cpu.max` under cgroup v2, as a Kubernetes CPU limit sets it), rounded up.
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

/** CPUs allowed by a cgroup v2 `cpu.max` line ("max 100000" = no limit, "150000 100000" = 1.5). */
export function quotaCpus(cpuMax: string): number | null {
  const [quota, period] = cpuMax.trim().split(/\s+/);
  if (!quota || quota === 'max') return null;
  const q = Number(quota);
  const p = Number(period ?? 100_000);
  return q > 0 && p > 0 ? Math.max(1, Math.ceil(q / p)) : null;
}

export function defaultWorkerCount(readCpuMax: () => string | null = readCgroupCpuMax): number {
  const affinity = availableParallelism();
  const cpuMax = readCpuMax();
  const quota = cpuMax === null ? null : quotaCpus(cpuMax);
  return Math.max(1, quota === null ? affinity : Math.min(affinity, quota));
}

function readCgroupCpuMax(): string | null {
  try {
    return readFileSync('/sys/fs/cgroup/cpu.max', 'utf8');
  } catch {
    return null;
  }
}
