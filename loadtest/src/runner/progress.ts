// Progress on stderr: a self-overwriting line on a terminal, one line per cell otherwise (CI logs).
export interface Progress {
  cellStart(index: number, total: number, label: string): void;
  request(done: number, total: number | null, failed: number): void;
  cellEnd(summary: string): void;
  note(line: string): void;
}

export function createProgress(stream: NodeJS.WriteStream | null = process.stderr): Progress {
  if (!stream) return { cellStart() {}, request() {}, cellEnd() {}, note() {} };
  const tty = stream.isTTY;
  let prefix = '';
  let lastDraw = 0;
  return {
    cellStart(index, total, label) {
      prefix = `[${index + 1}/${total}] ${label}`;
      if (tty) stream.write(`\r\x1b[2K${prefix} warming up…`);
    },
    request(done, total, failed) {
      const now = Date.now();
      if (!tty || (now - lastDraw < 100 && done !== total)) return;
      lastDraw = now;
      stream.write(
        `\r\x1b[2K${prefix} ${done}${total !== null ? `/${total}` : ''} requests${failed ? `, ${failed} failed` : ''}`,
      );
    },
    cellEnd(summary) {
      stream.write(`${tty ? '\r\x1b[2K' : ''}${prefix} ${summary}\n`);
    },
    note(line) {
      stream.write(`${tty ? '\r\x1b[2K' : ''}${line}\n`);
    },
  };
}
