// Runs wrk (Debian's 4.1) once against one URL with one POST body and headers, and returns what
// it measured: requests/s, latency percentiles from its histogram, and every kind of error
// (non-2xx answers included). A generated Lua script sets the request and writes the summary as
// JSON from wrk's done() hook, so nothing is scraped from wrk's human output.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface WrkRun {
  url: string;
  body: string;
  headers: Record<string, string>;
  connections: number;
  threads: number;
  durationS: number;
  timeoutS?: number;
  /** CPUs for wrk itself (taskset), or null to leave it unpinned. */
  cpus?: string | null;
}

export interface WrkResult {
  requests: number;
  durationS: number;
  rps: number;
  latencyMs: { p50: number; p90: number; p99: number; mean: number; max: number };
  errors: { connect: number; read: number; write: number; status: number; timeout: number };
}

const luaString = (s: string) => `[==[${s}]==]`;

function script(run: WrkRun, out: string): string {
  const headers = Object.entries({ 'content-type': 'application/json', ...run.headers })
    .map(([k, v]) => `wrk.headers[ ${luaString(k)} ] = ${luaString(v)}`)
    .join('\n');
  return `wrk.method = "POST"
wrk.body = ${luaString(run.body)}
${headers}
done = function(summary, latency, requests)
  local f = io.open(${luaString(out)}, "w")
  local e = summary.errors
  f:write(string.format('{"requests":%d,"durationUs":%d,"p50":%d,"p90":%d,"p99":%d,"mean":%f,"max":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.mean, latency.max,
    e.connect, e.read, e.write, e.status, e.timeout))
  f:close()
end
`;
}

export async function runWrk(run: WrkRun): Promise<WrkResult> {
  const dir = mkdtempSync(path.join(tmpdir(), 'toolgate-wrk-'));
  try {
    const lua = path.join(dir, 'request.lua');
    const out = path.join(dir, 'result.json');
    writeFileSync(lua, script(run, out));
    const args = [
      `-t${run.threads}`,
      `-c${run.connections}`,
      `-d${run.durationS}s`,
      `--timeout`,
      `${run.timeoutS ?? 10}s`,
      '-s',
      lua,
      run.url,
    ];
    const [cmd, argv] = run.cpus ? ['taskset', ['-c', run.cpus, 'wrk', ...args]] : ['wrk', args];
    const stderr = await new Promise<string>((resolve, reject) =>
      execFile(cmd, argv, { timeout: (run.durationS + 60) * 1000 }, (err, _stdout, stderr) =>
        err ? reject(new Error(`wrk failed: ${err.message}\n${stderr}`)) : resolve(stderr),
      ),
    );
    // wrk exits 0 even when its script fails; then done() wrote nothing.
    if (!existsSync(out)) throw new Error(`wrk wrote no result: ${stderr.trim() || 'no output'}`);
    const r = JSON.parse(readFileSync(out, 'utf8')) as Record<string, number>;
    const durationS = r.durationUs! / 1e6;
    const ms = (us: number) => us / 1000;
    return {
      requests: r.requests!,
      durationS,
      rps: r.requests! / durationS,
      latencyMs: { p50: ms(r.p50!), p90: ms(r.p90!), p99: ms(r.p99!), mean: ms(r.mean!), max: ms(r.max!) },
      errors: { connect: r.connect!, read: r.read!, write: r.write!, status: r.status!, timeout: r.timeout! },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const errorCount = (r: WrkResult) =>
  r.errors.connect + r.errors.read + r.errors.write + r.errors.status + r.errors.timeout;
