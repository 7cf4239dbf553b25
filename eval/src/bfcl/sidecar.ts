// Client for eval/python/bfcl_sidecar.py: one long-lived Python process per run that owns BFCL's
// stateful backends and its state/response checkers. JSON lines over stdio, requests matched to
// answers by id, so many conversations can use it at once (Python serves them one at a time).
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { evalScript, pythonPath } from '../python-env.js';
import type { BfclMessage } from './stateful-data.js';

/** A BFCL checker answer: {valid: true} or {valid: false, error_type, error_message, details?}. */
export interface PyCheck {
  valid: boolean;
  error_type?: string;
  error_message?: string;
  details?: unknown;
}

export class SidecarError extends Error {
  override name = 'SidecarError';
}

interface Pending {
  op: string;
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

export interface SidecarOptions {
  python?: string;
  /** Where memory snapshots live (BFCL's model_result_dir); inside the run folder, so a resumed run finds them. */
  memoryDir: string;
  /** Per-request limit; a backend that hangs stops the sidecar instead of the run (default 120 s). */
  timeoutMs?: number;
}

export class BfclSidecar {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private stderrTail: string[] = [];
  private dead: Error | null = null;
  private readonly timeoutMs: number;
  private readonly exited: Promise<void>;

  constructor(opts: SidecarOptions) {
    mkdirSync(opts.memoryDir, { recursive: true });
    this.timeoutMs = opts.timeoutMs ?? 120_000;
    this.child = spawn(pythonPath(opts.python), [evalScript('bfcl_sidecar.py'), '--memory-dir', opts.memoryDir], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.exited = new Promise((r) => this.child.once('close', () => r()));
    createInterface({ input: this.child.stdout }).on('line', (line) => this.onLine(line));
    createInterface({ input: this.child.stderr }).on('line', (line) => {
      this.stderrTail.push(line);
      if (this.stderrTail.length > 20) this.stderrTail.shift();
    });
    this.child.once('error', (err) => this.fail(new SidecarError(`cannot start the BFCL sidecar: ${err.message}`)));
    this.child.once('close', (code, signal) => {
      const tail = this.stderrTail.slice(-5).join(' / ');
      this.fail(new SidecarError(`the BFCL sidecar exited (${signal ?? `code ${code}`})${tail ? `: ${tail}` : ''}`));
    });
  }

  private onLine(line: string): void {
    let msg: { id?: number; result?: unknown; error?: string };
    try {
      msg = JSON.parse(line) as typeof msg;
    } catch {
      this.stderrTail.push(`(stdout) ${line}`);
      return;
    }
    const p = msg.id === undefined ? undefined : this.pending.get(msg.id);
    if (!p) return;
    this.pending.delete(msg.id!);
    clearTimeout(p.timer);
    if (msg.error !== undefined) p.reject(new SidecarError(`BFCL sidecar '${p.op}': ${msg.error}`));
    else p.resolve(msg.result);
  }

  private fail(err: Error): void {
    if (this.dead) return;
    this.dead = err;
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(err);
    }
    this.pending.clear();
  }

  /** Set once the process is gone (crash, timeout, close): every later request fails with it. */
  get failure(): Error | null {
    return this.dead;
  }

  request<T>(op: string, args: Record<string, unknown>): Promise<T> {
    if (this.dead) return Promise.reject(this.dead);
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.fail(new SidecarError(`the BFCL sidecar did not answer '${op}' within ${this.timeoutMs} ms`));
        this.child.kill('SIGKILL');
      }, this.timeoutMs);
      this.pending.set(id, { op, resolve: resolve as (v: unknown) => void, reject, timer });
      this.child.stdin.write(JSON.stringify({ id, op, ...args }) + '\n');
    });
  }

  open(session: string, category: string, entryId: string, evalRun: boolean): Promise<{ question: BfclMessage[][] }> {
    return this.request('open', { session, category, entry_id: entryId, eval: evalRun });
  }

  exec(session: string, calls: string[], trusted = false): Promise<{ results: string[]; blocked: number[] }> {
    return this.request('exec', { session, calls, trusted });
  }

  stateCheck(model: string, groundTruth: string): Promise<PyCheck> {
    return this.request('state', { model, ground_truth: groundTruth });
  }

  responseCheck(modelResults: string[], groundTruthResults: string[], turn: number): Promise<PyCheck> {
    return this.request('response', { model_results: modelResults, ground_truth_results: groundTruthResults, turn });
  }

  closeSession(session: string, flush = false): Promise<unknown> {
    return this.request('close', { session, flush });
  }

  /** Ends the process (stdin EOF) and waits for it. */
  async close(): Promise<void> {
    if (!this.dead) this.child.stdin.end();
    const killer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await this.exited;
    clearTimeout(killer);
  }
}
