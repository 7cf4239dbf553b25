// Progress for long runs: a redrawn bar on a TTY, plain periodic lines otherwise (CI logs).
export interface Progress {
  tick(ok: boolean): void;
  done(): void;
}

export function createProgress(
  total: number,
  opts: { stream?: NodeJS.WriteStream; intervalMs?: number; label?: string } = {},
): Progress {
  const stream = opts.stream ?? process.stderr;
  const label = opts.label ?? 'eval';
  const t0 = Date.now();
  let done = 0;
  let failed = 0;
  const line = (): string => {
    const secs = (Date.now() - t0) / 1000;
    const rate = secs > 0 ? done / secs : 0;
    const eta = rate > 0 ? Math.round((total - done) / rate) : 0;
    return `${label}: ${done}/${total} (${total ? Math.floor((100 * done) / total) : 100}%) failed=${failed} ${rate.toFixed(1)}/s eta=${eta}s`;
  };
  const tick = (ok: boolean): void => {
    done++;
    if (!ok) failed++;
  };
  // TTY: a bar redrawn in place; otherwise one plain line per interval (CI logs).
  const tty = stream.isTTY;
  const draw = (): void => {
    const width = 30;
    const filled = total ? Math.round((width * done) / total) : width;
    stream.write(tty ? `\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${line()}\x1b[K` : `${line()}\n`);
  };
  const timer = setInterval(draw, tty ? 200 : (opts.intervalMs ?? 10_000));
  timer.unref();
  return {
    tick,
    done: () => {
      clearInterval(timer);
      draw();
      if (tty) stream.write('\n');
    },
  };
}
