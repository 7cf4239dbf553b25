// V8 settings for the gateway process. `toolgate serve` loads this before serve.js (cli/main.ts):
// serve.js's whole module graph (hundreds of files) is resolved and linked before the first of
// them runs, and that work already goes through the allocation tracking turned off here, so even
// a first `import` inside serve.ts would come too late. A cluster worker runs the same entry.
//
// Allocation-site tracking off (`--no-allocation-site-pretenuring`). V8 follows object literals
// with allocation mementos to decide which sites to allocate straight in old space. On the
// gateway's traffic it decided nothing (no site was tenured in our runs, `--trace-pretenuring`),
// yet a checked one-tool request at saturation left ~0.6 MB more in old space per scavenge
// with tracking on than off (0.2 MB), scavenges took 2.4 ms instead of 1.3, and mark-compacts
// came three times as often (`--trace-gc`; bench/results/steps-pretenuring.json has the CPU per request).
// The heuristic lives in V8's src/heap/pretenuring-handler.cc.
import v8 from 'node:v8';

const V8_FLAGS = ['--no-allocation-site-pretenuring'] as const;

for (const flag of V8_FLAGS) v8.setFlagsFromString(flag);
