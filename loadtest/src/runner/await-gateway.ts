// `make loadtest`'s handshake with the gateway it started: the gateway listens on a port the OS
// picks (--port 0, never a busy one), and its own log says where ("gateway listening", url).
// This waits for that line, then for /ready, checking all along that the gateway process is
// alive — so the run measures the server it started, never whatever else answers on a port.
// Usage: node await-gateway.js <gateway log file> <gateway pid> [timeout ms]; prints the URL.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** The URL from the first "gateway listening" log line in `log`, or null. */
export function listeningUrl(log: string): string | null {
  for (const line of log.split('\n')) {
    if (!line.includes('"gateway listening"')) continue;
    try {
      const rec = JSON.parse(line) as { msg?: unknown; url?: unknown };
      if (rec.msg === 'gateway listening' && typeof rec.url === 'string') return rec.url;
    } catch {
      /* not a log record */
    }
  }
  return null;
}

export async function awaitGateway(logFile: string, pid: number, timeoutMs = 60_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let url: string | null = null;
  for (;;) {
    if (!alive(pid)) throw new Error(`the gateway (pid ${pid}) exited before it was ready; see ${logFile}`);
    if (Date.now() > deadline)
      throw new Error(`the gateway (pid ${pid}) was not ready within ${timeoutMs} ms; see ${logFile}`);
    url ??= listeningUrl(await readFile(logFile, 'utf8').catch(() => ''));
    if (url) {
      const ready = await fetch(`${url}/ready`).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ready && alive(pid)) return url;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [logFile, pid, timeout] = process.argv.slice(2);
  if (!logFile || !pid) {
    process.stderr.write('usage: await-gateway <gateway log file> <gateway pid> [timeout ms]\n');
    process.exit(2);
  }
  awaitGateway(logFile, Number(pid), timeout ? Number(timeout) : undefined).then(
    (url) => process.stdout.write(`${url}\n`),
    (err: unknown) => {
      process.stderr.write(`make loadtest: ${(err as Error).message}\n`);
      process.exitCode = 1;
    },
  );
}
