// CPU time (user + system, seconds) used so far by every live process of a process group, read
// from /proc (Linux). A server started by bench/lib/procs.ts leads its own group, so this covers
// its workers too. CPU per request is what the side-by-side benchmarks compare besides req/s:
// unlike throughput it barely moves when other work shares the machine.
import { readdirSync, readFileSync } from 'node:fs';

const TICKS_PER_S = 100; // USER_HZ: 100 on every Linux ABI Node supports

export function groupCpuSeconds(pgid: number): number {
  let ticks = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    // Fields after the command name (which may contain spaces) start with the state (field 3).
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(rest[2]) !== pgid) continue; // field 5: pgrp
    ticks += Number(rest[11]) + Number(rest[12]); // fields 14, 15: utime, stime
  }
  return ticks / TICKS_PER_S;
}
