// Seeded random numbers for reproducible arrival schedules and prompt variants. sfc32 (seeded
// through splitmix32) passes PractRand; Math.random cannot be seeded, so runs would not repeat.

export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Standard normal (Box–Muller). */
  normal(): number;
  /** Exponential with the given mean. */
  exponential(mean: number): number;
  /** Gamma(shape k, scale θ) — numpy's `np.random.gamma(shape, scale)` parameterisation. */
  gamma(shape: number, scale: number): number;
  /** Integer in [0, n). */
  int(n: number): number;
}

function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

export function createRng(seed = 0): Rng {
  const init = splitmix32(seed);
  let a = init();
  let b = init();
  let c = init();
  let d = init();
  const nextU32 = (): number => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) >>> 0;
    return t;
  };
  for (let i = 0; i < 12; i++) nextU32(); // discard the first outputs, as sfc32's author suggests
  const next = () => nextU32() / 4294967296;
  // (0, 1]: avoids log(0) in the samplers below.
  const open = () => 1 - next();
  const normal = () => Math.sqrt(-2 * Math.log(open())) * Math.cos(2 * Math.PI * next());

  // Marsaglia & Tsang (2000); shapes below 1 use the boost Gamma(k) = Gamma(k+1)·U^(1/k).
  const gamma = (shape: number, scale: number): number => {
    if (!(shape > 0) || !(scale > 0))
      throw new RangeError(`gamma needs shape > 0 and scale > 0 (got ${shape}, ${scale})`);
    if (shape < 1) return gamma(shape + 1, scale) * Math.pow(open(), 1 / shape);
    const dd = shape - 1 / 3;
    const cc = 1 / Math.sqrt(9 * dd);
    for (;;) {
      let x: number;
      let v: number;
      do {
        x = normal();
        v = 1 + cc * x;
      } while (v <= 0);
      v = v * v * v;
      const u = open();
      if (u < 1 - 0.0331 * x * x * x * x) return dd * v * scale;
      if (Math.log(u) < 0.5 * x * x + dd * (1 - v + Math.log(v))) return dd * v * scale;
    }
  };

  return {
    next,
    normal,
    exponential: (mean) => -Math.log(open()) * mean,
    gamma,
    int: (n) => Math.floor(next() * n),
  };
}
