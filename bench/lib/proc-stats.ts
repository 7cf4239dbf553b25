// CPU time and resident memory of every live process of a process group, read from /proc
// (Linux). A server started by bench/lib/procs.ts leads its own group, so this covers its
// workers too. CPU per request is what the side-by-side benchmarks compare besides req/s:
// unlike throughput it barely moves when other work shares the machine.
import { readdirSync, readFileSync } from 'node:fs';

const TICKS_PER_S = 100; // USER_HZ: 100 on every Linux ABI Node supports

/** /proc/<pid>/stat fields from field 3 (state) on, for every process of the group. */
function groupStats(pgid: number): Array<{ pid: string; fields: string[] }> {
  const out: Array<{ pid: string; fields: string[] }> = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    // Fields after the command name (which may contain spaces) start with the state (field 3).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[2]) === pgid) out.push({ pid: entry, fields }); // field 5: pgrp
  }
  return out;
}

/** User + system CPU seconds used so far by the group's live processes. */
export function groupCpuSeconds(pgid: number): number {
  let ticks = 0;
  for (const p of groupStats(pgid)) ticks += Number(p.fields[11]) + Number(p.fields[12]); // fields 14, 15: utime, stime
  return ticks / TICKS_PER_S;
}

/** Resident set size of each of the group's processes (VmRSS, bytes). */
export function groupRss(pgid: number): Array<{ pid: number; rssBytes: number }> {
  return groupStats(pgid).map((p) => {
    let rssBytes = 0;
    try {
      const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${p.pid}/status`, 'utf8'));
      rssBytes = m ? Number(m[1]) * 1024 : 0;
    } catch {
      /* exited meanwhile */
    }
    return { pid: Number(p.pid), rssBytes };
  });
}
