// The simulation's seeded pseudo-random numbers: xoshiro128** 1.1 (Blackman & Vigna, https://prng.di.unimi.it/),
// 32-bit state words updated with Math.imul and shifts only, so every JavaScript engine produces the same stream.
// Seeding: a 32-bit seed is expanded into the 128-bit state with SplitMix32 (never the all-zero state).
// Uniform doubles take 53 bits from two outputs; Gaussian draws use Marsaglia's polar method (only sqrt, which is
// correctly rounded, and Math.log), caching the second value of each pair as part of the state.
// Same seed -> same stream, bit for bit; `state()` / `setState()` capture and restore it exactly.

/** The complete generator state: 4 state words, and the cached second Gaussian of the last polar pair. */
export interface RngState {
  /** xoshiro128** state words s0..s3. */
  s: Uint32Array;
  /** Whether `spare` holds an unused Gaussian draw. */
  hasSpare: boolean;
  spare: number;
}

const TWO_POW_M53 = 1 / 9007199254740992; // 2^-53

function splitMix32(x: number): [number, number] {
  x = (x + 0x9e3779b9) | 0;
  let z = x;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  z ^= z >>> 16;
  return [x, z >>> 0];
}

export class Rng {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;
  private hasSpare = false;
  private spare = 0;

  /** A generator seeded from any number (its low 32 bits after truncation; non-integers and negatives are fine). */
  constructor(seed = 1) {
    let x = Math.trunc(seed) | 0;
    const w: number[] = [];
    for (let k = 0; k < 4; k++) {
      const [nx, z] = splitMix32(x);
      x = nx;
      w.push(z);
    }
    if ((w[0] | w[1] | w[2] | w[3]) === 0) w[0] = 1;
    [this.s0, this.s1, this.s2, this.s3] = w;
  }

  static fromState(state: RngState): Rng {
    const r = new Rng(0);
    r.setState(state);
    return r;
  }

  /** The next 32-bit output as an unsigned integer. */
  nextUint32(): number {
    const s1 = this.s1;
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9);
    const t = s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= s1;
    this.s1 = s1 ^ this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result >>> 0;
  }

  /** A uniform double in [0, 1) with 53 random bits. */
  uniform(): number {
    const a = this.nextUint32() >>> 5; // 27 bits
    const b = this.nextUint32() >>> 6; // 26 bits
    return (a * 67108864 + b) * TWO_POW_M53;
  }

  /** A uniform double in [lo, hi). */
  uniformIn(lo: number, hi: number): number {
    return lo + (hi - lo) * this.uniform();
  }

  /** A standard normal draw (mean 0, variance 1): Marsaglia's polar method. */
  normal(): number {
    if (this.hasSpare) {
      this.hasSpare = false;
      return this.spare;
    }
    for (;;) {
      const u = 2 * this.uniform() - 1;
      const v = 2 * this.uniform() - 1;
      const s = u * u + v * v;
      if (s >= 1 || s === 0) continue;
      const m = Math.sqrt((-2 * Math.log(s)) / s);
      this.spare = v * m;
      this.hasSpare = true;
      return u * m;
    }
  }

  /** An integer uniform in [0, n) for 0 < n <= 2^32 (rejection sampling, unbiased). */
  below(n: number): number {
    if (!(n > 0 && n <= 4294967296)) throw new RangeError(`Rng.below: n must be in (0, 2^32] (got ${n})`);
    const limit = 4294967296 - (4294967296 % n);
    for (;;) {
      const x = this.nextUint32();
      if (x < limit) return x % n;
    }
  }

  state(): RngState {
    return { s: Uint32Array.of(this.s0, this.s1, this.s2, this.s3), hasSpare: this.hasSpare, spare: this.spare };
  }

  setState(state: RngState): void {
    if (state.s.length !== 4) throw new RangeError(`Rng.setState: expected 4 state words (got ${state.s.length})`);
    this.s0 = state.s[0] | 0;
    this.s1 = state.s[1] | 0;
    this.s2 = state.s[2] | 0;
    this.s3 = state.s[3] | 0;
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) throw new RangeError('Rng.setState: the all-zero state is invalid');
    this.hasSpare = state.hasSpare;
    this.spare = state.spare;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
