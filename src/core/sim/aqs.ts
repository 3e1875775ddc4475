// Athermal quasistatic shear (AQS) of Hertzian disks, after Zhang, Ridout & Liu, PRX 11, 041019 (2021), Sec. II A.
// Pure (no Node, no DOM).
//
// Model (their Eq. 1, no prefactor, oracle README section E): u(r) = (1 - r/(R_i + R_j))^2.5 for r < R_i + R_j; a 1:1
// binary mixture of radii 0.5 and 0.7 "to avoid crystallization", in a periodic square box whose area V is set by the
// packing fraction phi = sum_i pi R_i^2 / V (0.9). "Starting from random initial conditions, we minimize the potential
// energy to find the initial zero-temperature jammed state. We then repeatedly apply a small shear-strain step of
// delta-epsilon, minimizing the energy after each step."
//
// Shear step (simple shear along x with gradient along y, Lees-Edwards boundaries as a tilted box):
//   x_i += d_eps (y_i - y_origin) for every particle (affine), and the box tilt xy += d_eps Ly,
// so the periodic images of a particle (r + m a + k b, b = (xy, Ly)) move with the same affine field. Positions are
// never wrapped (a particle's trajectory stays continuous; the Verlet-list image shifts take care of periodicity).
// Tilt flip: when xy exceeds Lx/2 it is replaced by xy - Lx (below -Lx/2: xy + Lx), as LAMMPS `fix deform ... flip yes`
// does (fix_deform.cpp: tilt/xprd > 0.5 -> tilt -= xprd, < -0.5 -> tilt += xprd). The lattice
// {m a + k b} is unchanged by b -> b - a, so energies, forces and stresses are identical before and after the flip
// (tested); only the cell used for minimum images changes, and it stays at most half-tilted.
//
// Avalanches: "during athermal quasistatic shear, energy drops mark rearrangements ... In each step of strain followed by
// energy minimization, we calculate the final energy to monitor for energy drops ... we use steepest descent to
// accurately simulate the overdamped relaxation process from the beginning of the energy drop to the end." Here each step
// is first minimized with the fast minimizer (FIRE or CG); when the energy dropped, the relaxation is redone from the
// same post-step configuration by steepest descent (minimize.ts `steepestDescent`, adaptive step), saving frames
// "equidistant in configuration space; more specifically, the sum over particles of particle displacement squared,
// sqrt(sum_i dr_i^2), is chosen to be 0.15 between successive frames", and with the paper's clock: "Since we use
// overdamped dynamics, we can define "time" as the step size divided by the gradient of the potential energy" (each
// accepted step x += alpha F advances t by |dx|/|grad U| = alpha). Steepest descent runs until max|F| < sdFtol; the
// last stretch (no visible motion) is finished by the fast minimizer, and that minimum is what the run continues from.
// An avalanche often starts next to the saddle where the old minimum vanished, where |F| is tiny too: when the
// finishing minimization moves the system by a frame spacing or more, it is discarded and steepest descent resumes
// with a 100x smaller threshold (frames and clock continue), so the frames always cover the whole relaxation.
// The drop test uses the fast minimizer's result; a followed drop reports the steepest-descent path's minimum.
//
// Stress: sigma_xy is pressure-like (oracle README section D): sigma_ab = (1/A) sum_{i<j} r_ij,a f_ij,b at T = 0, so the
// mechanical shear stress resisting the imposed shear is -sigma_xy = (1/A) dU/d(strain); elastic loading makes
// stressXY decrease (more negative) and a plastic drop makes it jump up.
import { triclinicBox, type Box, type Vec3 } from '../box.js';
import { hertzPotential } from '../potentials.js';
import {
  conjugateGradient, fire, steepestDescent, type CgOptions, type FireOptions, type MinimizeResult,
} from './minimize.js';
import { unpackPositions, VerletPairForces } from './forces.js';
import { Rng } from './rng.js';

export interface AqsOptions {
  /** Strain step d_eps (default 1e-4; negative shears the other way). shearStep(d) may override it per step. */
  strainStep?: number;
  /** Minimizer after each step and for the initial packing: 'cg' (default; ~10x fewer iterations than FIRE here) or 'fire'. */
  minimizer?: 'fire' | 'cg';
  /** Force tolerance on max_i |F_i| (default 1e-10). */
  ftol?: number;
  /** Iteration cap per minimization (default 1 000 000). */
  maxIterations?: number;
  /** Follow energy drops by steepest descent and return frames (default true). */
  followAvalanches?: boolean;
  /** Configuration-space distance between saved avalanche frames (default 0.15). */
  frameSpacing?: number;
  /**
   * Steepest descent follows an avalanche until max_i |F_i| < sdFtol (default 1e-6), then the minimizer polishes (and
   * if that moves the system by a frame spacing or more, steepest descent resumes with a 100x smaller threshold).
   */
  sdFtol?: number;
  /** Largest particle displacement per steepest-descent step (default 0.01). */
  sdMaxStep?: number;
  /** Steepest-descent step acceptance rho (minimize.ts SdOptions.rho; default 0.5). */
  sdRho?: number;
  /** A drop must exceed dropTolerance * |E_before| (relative; default 1e-9, far above round-off at ftol 1e-10). */
  dropTolerance?: number;
  /**
   * 'energy' (default, the paper): a drop is a decrease of the minimized energy from one step to the next.
   * 'elastic': a drop is an energy below the elastic prediction E_before - A stressXY d_eps (first order in the step),
   * which also catches rearrangements that release less than the elastic energy gained in the same step.
   */
  dropCriterion?: 'energy' | 'elastic';
  /** Verlet skin (default 0.3). */
  skin?: number;
  /** FIRE parameters (defaults tuned for this Hertzian system: dt 0.1, dtMax 1). */
  fire?: FireOptions;
  /** CG parameters. */
  cg?: CgOptions;
}

export interface HertzPackingOptions extends AqsOptions {
  /** Number of disks (half of radius 0.5, half of radius 0.7; the extra one of an odd count is small). */
  n: number;
  /** Seed of the random initial positions (rng.ts xoshiro128**). */
  seed: number;
  /** Packing fraction phi = sum pi R^2 / V (default 0.9). */
  packingFraction?: number;
  /** The two radii (default [0.5, 0.7]). */
  radii?: [number, number];
}

export interface AvalancheFrame {
  /** 0 = the configuration right after the affine step, then the equidistant frames, then the final minimum. */
  index: number;
  /** Overdamped time since the start of the relaxation (sum of steepest-descent step sizes). */
  time: number;
  energy: number;
  /** max_i |F_i|. */
  maxForce: number;
  /** Positions n*3 (z = 0), continuous along the avalanche (not wrapped). */
  positions: Float64Array;
  /** Configuration-space distance from the previous frame (frameSpacing except for the final frame; 0 for frame 0). */
  distance: number;
  /** The minimized end state (polished to ftol), not an equidistant frame. */
  final: boolean;
}

export interface ShearStepResult {
  /** Number of shear steps done so far (1 after the first call). */
  step: number;
  /** Total applied strain (the sum of the steps' d_eps: step * strainStep for a constant step). */
  strain: number;
  /** Minimized total energy. */
  energy: number;
  /** Pressure-like shear stress sigma_xy (oracle README section D); the mechanical shear stress is -stressXY. */
  stressXY: number;
  /** Whether this step's minimization was an energy drop (see AqsOptions.dropCriterion). */
  drop: boolean;
  /** Energy change from the previous step's minimum. */
  energyChange: number;
  /** The box tilt flipped (xy -> xy - Lx) in this step. */
  flipped: boolean;
  /** Minimizer iterations of this step (fast minimizer, plus steepest descent and polish for a followed drop). */
  iterations: number;
  /** Frames of the followed avalanche (drops only, when followAvalanches). */
  avalancheFrames?: AvalancheFrame[];
}

/** Everything needed to resume a run bit-identically (plain data; typed arrays may come back as number arrays). */
export interface AqsState {
  version: 1;
  radii: Float64Array | number[];
  /** Packed positions (x0, y0, x1, y1, ...), unwrapped. */
  positions: Float64Array | number[];
  /** Box: origin, [a, b] in-plane vectors (a = (Lx, 0), b = (xy, Ly)), Lz of the (unused) third axis. */
  box: { origin: [number, number, number]; lx: number; ly: number; xy: number; lz: number };
  step: number;
  strain: number;
  energy: number;
  stressXY: number;
  flips: number;
  options: Required<Omit<AqsOptions, 'fire' | 'cg'>> & { fire: FireOptions; cg: CgOptions };
}

/** FIRE parameters for the Hertzian packings (soft contacts: a far larger time step than WCA's). */
export const HERTZ_FIRE_DEFAULTS: Readonly<FireOptions> = { dt: 0.1, dtMax: 1, maxStep: 0.1 };

type ResolvedOptions = AqsState['options'];

function resolveOptions(o: AqsOptions): ResolvedOptions {
  const r: ResolvedOptions = {
    strainStep: o.strainStep ?? 1e-4,
    minimizer: o.minimizer ?? 'cg',
    ftol: o.ftol ?? 1e-10,
    maxIterations: o.maxIterations ?? 1_000_000,
    followAvalanches: o.followAvalanches ?? true,
    frameSpacing: o.frameSpacing ?? 0.15,
    sdFtol: o.sdFtol ?? 1e-6,
    sdMaxStep: o.sdMaxStep ?? 0.01,
    sdRho: o.sdRho ?? 0.5,
    dropTolerance: o.dropTolerance ?? 1e-9,
    dropCriterion: o.dropCriterion ?? 'energy',
    skin: o.skin ?? 0.3,
    fire: { ...HERTZ_FIRE_DEFAULTS, ...o.fire },
    cg: { ...o.cg },
  };
  if (!(Number.isFinite(r.strainStep) && r.strainStep !== 0)) throw new RangeError(`AQS: strainStep must be a nonzero number (got ${r.strainStep})`);
  if (r.minimizer !== 'fire' && r.minimizer !== 'cg') throw new RangeError(`AQS: unknown minimizer "${r.minimizer as string}"`);
  if (!(r.frameSpacing > 0)) throw new RangeError(`AQS: frameSpacing must be positive (got ${r.frameSpacing})`);
  if (r.dropCriterion !== 'energy' && r.dropCriterion !== 'elastic') throw new RangeError(`AQS: unknown dropCriterion "${r.dropCriterion as string}"`);
  return r;
}

/** Seeded random binary Hertzian disks in a square box at the packing fraction (not yet minimized). */
export function randomHertzPacking(options: HertzPackingOptions): { radii: Float64Array; positions: Float64Array; box: Box } {
  const n = options.n;
  if (!(Number.isInteger(n) && n >= 2)) throw new RangeError(`AQS: n must be an integer >= 2 (got ${n})`);
  const [r1, r2] = options.radii ?? [0.5, 0.7];
  const phi = options.packingFraction ?? 0.9;
  if (!(phi > 0)) throw new RangeError(`AQS: packingFraction must be positive (got ${phi})`);
  const radii = new Float64Array(n);
  let area = 0;
  for (let i = 0; i < n; i++) {
    radii[i] = i % 2 === 0 ? r1 : r2;
    area += Math.PI * radii[i] * radii[i];
  }
  const L = Math.sqrt(area / phi);
  const rng = new Rng(options.seed);
  const positions = new Float64Array(3 * n);
  for (let i = 0; i < n; i++) {
    positions[3 * i] = rng.uniform() * L;
    positions[3 * i + 1] = rng.uniform() * L;
  }
  return { radii, positions, box: triclinicBox([0, 0, 0], L, L, 1, 0, 0, 0) };
}

export class AqsRun {
  readonly radii: Float64Array;
  readonly options: ResolvedOptions;
  private readonly system: VerletPairForces;
  /** Packed positions (unwrapped). */
  private readonly x: Float64Array;
  private origin: Vec3;
  private lx: number;
  private ly: number;
  private lz: number;
  private xy: number;
  private _step = 0;
  private _strain = 0;
  private _energy = 0;
  private _stressXY = 0;
  private _flips = 0;
  /** Result of the initial minimization (construction from an unminimized configuration). */
  readonly initialMinimization: MinimizeResult | null;

  /**
   * A run from a configuration: radii, positions n*3 and a box in restricted form (a = (Lx, 0, 0), b = (xy, Ly, 0)),
   * minimized first unless `minimized` says it already is (then only the energy and stress are evaluated).
   */
  constructor(
    config: { radii: ArrayLike<number>; positions: Float64Array; box: Box; minimized?: boolean },
    options: AqsOptions = {},
  ) {
    this.options = resolveOptions(options);
    this.radii = Float64Array.from(config.radii);
    const n = this.radii.length;
    if (config.positions.length !== 3 * n) throw new RangeError(`AQS: ${config.positions.length / 3} positions for ${n} radii`);
    const [a, b, c] = config.box.vectors;
    if (a[1] !== 0 || a[2] !== 0 || b[2] !== 0 || c[0] !== 0 || c[1] !== 0) {
      throw new RangeError('AQS: the box must have a = (Lx, 0, 0), b = (xy, Ly, 0) and c = (0, 0, Lz)');
    }
    this.origin = [...config.box.origin];
    this.lx = a[0];
    this.ly = b[1];
    this.xy = b[0];
    this.lz = c[2];
    this.system = new VerletPairForces({
      potential: hertzPotential(), sizes: this.radii, box: this.currentBox(), dimensions: 2, skin: this.options.skin, layout: 'packed',
    });
    this.x = this.system.pack(config.positions);
    if (config.minimized) {
      this.initialMinimization = null;
      this._energy = this.system.energy(this.x);
    } else {
      this.initialMinimization = this.relax(this.x);
      this._energy = this.initialMinimization.energy;
    }
    this._stressXY = this.system.stress(this.x).xy;
  }

  /** A run from a seeded random packing (Zhang, Ridout & Liu: binary 0.5/0.7 at phi = 0.9), minimized to jamming. */
  static fromRandom(options: HertzPackingOptions): AqsRun {
    return new AqsRun(randomHertzPacking(options), options);
  }

  /** A run resumed from saveState() (bit-identical continuation). */
  static fromState(state: AqsState): AqsRun {
    const { box } = state;
    const radii = Float64Array.from(state.radii);
    const packed = Float64Array.from(state.positions);
    if (packed.length !== 2 * radii.length) throw new RangeError(`AQS state: ${packed.length / 2} positions for ${radii.length} radii`);
    const run = new AqsRun(
      { radii, positions: unpackPositions(packed, 2), box: triclinicBox(box.origin, box.lx, box.ly, box.lz, box.xy, 0, 0), minimized: true },
      state.options,
    );
    run.loadState(state);
    return run;
  }

  get step(): number { return this._step; }
  get strain(): number { return this._strain; }
  get energy(): number { return this._energy; }
  get stressXY(): number { return this._stressXY; }
  /** Number of tilt flips so far. */
  get flips(): number { return this._flips; }
  get numParticles(): number { return this.radii.length; }

  /** The current Lees-Edwards box (a = (Lx, 0, 0), b = (xy, Ly, 0)). */
  get box(): Box { return this.currentBox(); }

  /** Current positions n*3 (z = 0), unwrapped. */
  positions(): Float64Array { return unpackPositions(this.x, 2); }

  /**
   * Apply one strain step (default options.strainStep; any nonzero d_eps, e.g. negative for cyclic shear), minimize,
   * detect and (optionally) follow an energy drop.
   */
  shearStep(strainStep?: number): ShearStepResult {
    const o = this.options;
    const de = strainStep ?? o.strainStep;
    if (!(Number.isFinite(de) && de !== 0)) throw new RangeError(`AQS: the strain step must be a nonzero number (got ${de})`);
    const x = this.x;
    const n = this.radii.length;
    const prevE = this._energy;
    const area = this.lx * this.ly;
    // Affine simple shear of positions and box.
    const y0 = this.origin[1];
    for (let i = 0; i < n; i++) x[2 * i] += de * (x[2 * i + 1] - y0);
    this.xy += de * this.ly;
    let flipped = false;
    if (this.xy > 0.5 * this.lx) {
      this.xy -= this.lx;
      this._flips++;
      flipped = true;
    } else if (this.xy < -0.5 * this.lx) {
      this.xy += this.lx;
      this._flips++;
      flipped = true;
    }
    this.system.setBox(this.currentBox());
    const start = o.followAvalanches ? Float64Array.from(x) : null;
    const r = this.relax(x);
    let iterations = r.iterations;
    let energy = r.energy;
    const threshold = o.dropTolerance * Math.max(Math.abs(prevE), 1e-300);
    // Elastic prediction to first order: dU/d(strain) = A * (mechanical stress) = -A * stressXY (pressure-like).
    const reference = o.dropCriterion === 'energy' ? prevE : prevE - area * this._stressXY * de;
    let drop = energy < reference - threshold;
    let frames: AvalancheFrame[] | undefined;
    if (drop && start) {
      x.set(start);
      const followed = this.follow(x);
      frames = followed.frames;
      iterations += followed.iterations;
      energy = followed.energy;
      drop = energy < reference - threshold;
    }
    this._step++;
    this._strain += de;
    this._energy = energy;
    this._stressXY = this.system.stress(x).xy;
    const result: ShearStepResult = {
      step: this._step, strain: this.strain, energy, stressXY: this._stressXY, drop, energyChange: energy - prevE, flipped,
      iterations,
    };
    if (frames) result.avalancheFrames = frames;
    return result;
  }

  /** Plain-data snapshot for checkpointing (copies). */
  saveState(): AqsState {
    return {
      version: 1,
      radii: Float64Array.from(this.radii),
      positions: Float64Array.from(this.x),
      box: { origin: [...this.origin], lx: this.lx, ly: this.ly, xy: this.xy, lz: this.lz },
      step: this._step,
      strain: this._strain,
      energy: this._energy,
      stressXY: this._stressXY,
      flips: this._flips,
      options: { ...this.options, fire: { ...this.options.fire }, cg: { ...this.options.cg } },
    };
  }

  /**
   * Restore a snapshot of a run of the same particles (radii must match; the options stay those of this run, use
   * AqsRun.fromState to take the snapshot's options too).
   */
  loadState(state: AqsState): void {
    if (state.version !== 1) throw new RangeError(`AQS state: unknown version ${String(state.version)}`);
    if (state.radii.length !== this.radii.length) throw new RangeError(`AQS state: ${state.radii.length} particles, this run has ${this.radii.length}`);
    for (let i = 0; i < this.radii.length; i++) {
      if (state.radii[i] !== this.radii[i]) throw new RangeError(`AQS state: radius of particle ${i} differs (${state.radii[i]} vs ${this.radii[i]})`);
    }
    if (state.positions.length !== this.x.length) throw new RangeError(`AQS state: ${state.positions.length} coordinates, expected ${this.x.length}`);
    this.x.set(state.positions);
    this.origin = [...state.box.origin];
    this.lx = state.box.lx;
    this.ly = state.box.ly;
    this.xy = state.box.xy;
    this.lz = state.box.lz;
    this._step = state.step;
    this._strain = state.strain;
    this._energy = state.energy;
    this._stressXY = state.stressXY;
    this._flips = state.flips;
    this.system.setBox(this.currentBox());
  }

  private currentBox(): Box {
    return triclinicBox(this.origin, this.lx, this.ly, this.lz, this.xy, 0, 0);
  }

  private relax(x: Float64Array): MinimizeResult {
    const o = this.options;
    const common = { ftol: o.ftol, maxIterations: o.maxIterations };
    return o.minimizer === 'fire'
      ? fire(this.system, x, { ...o.fire, ...common })
      : conjugateGradient(this.system, x, { ...o.cg, ...common });
  }

  /**
   * Steepest descent from x with equidistant frames, then the polish; x ends at the minimum. If the polish moves the
   * configuration by a frame spacing or more (the hand-over happened near a saddle, where |F| is small too), the
   * polish is discarded and steepest descent resumes from where it stopped with a 100x smaller force threshold.
   */
  private follow(x: Float64Array): { frames: AvalancheFrame[]; iterations: number; energy: number } {
    const o = this.options;
    const frames: AvalancheFrame[] = [];
    const lastFrame = new Float64Array(x.length);
    const handOver = new Float64Array(x.length);
    let iterations = 0;
    let sdTol = Math.max(o.sdFtol, o.ftol);
    let time = 0;
    for (;;) {
      const sd = steepestDescent(this.system, x, {
        ftol: sdTol,
        maxIterations: o.maxIterations,
        maxStep: o.sdMaxStep,
        rho: o.sdRho,
        frameSpacing: o.frameSpacing,
        // A resumed descent continues the frame sequence and the clock (from the previous hand-over).
        continueFrom: frames.length ? { x: lastFrame, index: frames.length - 1, time } : undefined,
        onFrame: (xf, info) => {
          lastFrame.set(xf);
          frames.push({
            index: info.index, time: info.time, energy: info.energy, maxForce: info.maxForce, positions: unpackPositions(xf, 2),
            distance: info.index === 0 ? 0 : o.frameSpacing, final: false,
          });
        },
      });
      iterations += sd.iterations;
      time = sd.time;
      handOver.set(x);
      const polish = this.relax(x);
      iterations += polish.iterations;
      let moved2 = 0, d2 = 0;
      for (let i = 0; i < x.length; i++) {
        moved2 += (x[i] - handOver[i]) ** 2;
        d2 += (x[i] - lastFrame[i]) ** 2;
      }
      if (Math.sqrt(moved2) >= o.frameSpacing && sdTol > o.ftol && sd.converged) {
        x.set(handOver);
        sdTol = Math.max(sdTol / 100, o.ftol);
        continue;
      }
      // The end state; its time is the steepest-descent clock at the hand-over (the polish adds no physical time).
      frames.push({
        index: frames.length, time, energy: polish.energy, maxForce: polish.maxForce, positions: unpackPositions(x, 2),
        distance: Math.sqrt(d2), final: true,
      });
      return { frames, iterations, energy: polish.energy };
    }
  }
}
