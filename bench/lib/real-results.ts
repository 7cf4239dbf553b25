// The shape of bench/results/real.json (written by `npm run bench:real`, read by the docs build
// for the figures in the README and docs/toolcalls.md).

export interface ModeResult {
  mode: string;
  cases: number;
  recoverable: number;
  /** Recoverable cases whose calls reached the client exactly as expected. */
  recovered: number;
  recovery: number;
  /** Cases whose calls (and, for invalid ones, none) match the expectation exactly. */
  exact: number;
  /** Answers that came back with neither content nor calls although the model wrote something. */
  emptied: number;
}

export interface RealResults {
  bench: 'real';
  corpusCases: number;
  policy: string;
  modes: ModeResult[];
  /** Whether every gateway mode (pods with or without a tool parser, streamed or whole) recovered the same. */
  gatewayModesEqual: boolean;
}
