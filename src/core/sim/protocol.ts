// The thermal protocol of Jha & Sengupta (Sec. II) as a resumable state machine over an MdSimulation, and the frame
// schedules of its production run. Pure (no Node, no DOM): the jobs layer (src/core/jobs/simulate-job.ts) writes the
// frames, checkpoints and sidecar.
//
// Protocol: [equilibration at the parent temperature T_p for `equilSteps` steps, isokinetic]
//           -> instant quench to T (the isokinetic thermostat rescales the velocities to T exactly at the switch)
//           -> [aging at T for `twSteps` steps, isokinetic]
//           -> production at T (isokinetic, or NVE from the aged velocities), frames written on the schedule.
// Phases of length 0 are skipped (an NVE run from a data file is production only). Each phase's integrator is set when
// the phase is entered (`entered` in the position), exactly once, also across checkpoints and resumes.
//
// Production schedules (S = MD steps since the start of production; frame 0 is at S = 0 unless stated otherwise):
//  - 'log-block' (Eq. 2): S(f) = i*B + 2^j, i = 0..blocks-1, 0 <= j < N_cfg. With `blockOrigins` (default true) each
//    block also stores its origin S = i*B (j = "-infinity"), so frame 0 is at S = 0 and a block is
//    i*B + {0, 1, 2, 4, ..., 2^(N_cfg-1)}: N_cfg + 1 frames per block. This is schedule.ts's log-block schedule with
//    zeroFrame = true and N_cfg + 1 frames per block. Without block origins the frames are exactly Eq. 2 (frame 0 at
//    S = 1), schedule.ts's zeroFrame = false. B must exceed 2^(N_cfg-1) so blocks do not overlap.
//  - 'linear': S(f) = f * every, f = 0..frames-1 (frame 0 at S = 0).
import type { FrameSchedule } from '../index/schedule.js';
import type { MdSimulation } from './md.js';
import { makeSystem, type ParticleSystem } from './system.js';

export type ProductionSchedule =
  | { kind: 'log-block'; B: number; nCfg: number; blocks: number; blockOrigins: boolean }
  | { kind: 'linear'; every: number; frames: number };

/** Check a production schedule; throws a RangeError naming the problem. Returns a normalised copy. */
export function validateProductionSchedule(s: ProductionSchedule): ProductionSchedule {
  const posInt = (v: unknown, what: string, min = 1): number => {
    if (!(typeof v === 'number' && Number.isInteger(v) && v >= min)) throw new RangeError(`schedule: ${what} must be an integer >= ${min} (got ${String(v)})`);
    return v;
  };
  if (s.kind === 'log-block') {
    const nCfg = posInt(s.nCfg, 'N_cfg');
    if (nCfg > 52) throw new RangeError(`schedule: N_cfg must be at most 52 (got ${nCfg})`);
    const B = posInt(s.B, 'B');
    const blocks = posInt(s.blocks, 'the number of blocks');
    if (!(B > 2 ** (nCfg - 1))) throw new RangeError(`schedule: B = ${B} must exceed 2^(N_cfg-1) = ${2 ** (nCfg - 1)} so that blocks do not overlap`);
    if ((blocks - 1) * B + 2 ** (nCfg - 1) > Number.MAX_SAFE_INTEGER) throw new RangeError('schedule: the production is too long');
    return { kind: 'log-block', B, nCfg, blocks, blockOrigins: s.blockOrigins !== false };
  }
  if (s.kind === 'linear') {
    return { kind: 'linear', every: posInt(s.every, 'the frame interval (every)'), frames: posInt(s.frames, 'the number of frames') };
  }
  throw new RangeError(`schedule: unknown kind ${String((s as { kind?: unknown }).kind)} (log-block, linear)`);
}

/** Number of frames the schedule writes. */
export function scheduleFrameCount(s: ProductionSchedule): number {
  return s.kind === 'linear' ? s.frames : s.blocks * (s.nCfg + (s.blockOrigins ? 1 : 0));
}

/** Production step S(f) of frame f. */
export function scheduleStep(s: ProductionSchedule, f: number): number {
  if (s.kind === 'linear') return f * s.every;
  const per = s.nCfg + (s.blockOrigins ? 1 : 0);
  const i = Math.floor(f / per);
  const k = f - i * per;
  if (s.blockOrigins) return i * s.B + (k === 0 ? 0 : 2 ** (k - 1));
  return i * s.B + 2 ** k;
}

/** All production steps S(0), S(1), ... in order. */
export function scheduleSteps(s: ProductionSchedule): number[] {
  const n = scheduleFrameCount(s);
  const out = new Array<number>(n);
  for (let f = 0; f < n; f++) out[f] = scheduleStep(s, f);
  return out;
}

/** The schedule in the trajectory index's terms (src/core/index/schedule.ts), with dt the MD time step. */
export function toFrameSchedule(s: ProductionSchedule, dt: number): FrameSchedule {
  if (s.kind === 'linear') return { kind: 'linear', start: 0, step: s.every, dt };
  return s.blockOrigins
    ? { kind: 'log-block', start: 0, B: s.B, N_cfg: s.nCfg + 1, zeroFrame: true, dt }
    : { kind: 'log-block', start: 0, B: s.B, N_cfg: s.nCfg, zeroFrame: false, dt };
}

export type ProtocolPhase = 'equilibrate' | 'age' | 'produce' | 'done';

export interface ThermalProtocolOptions {
  /** Parent (equilibration) temperature T_p (default 0.5). */
  parentTemperature?: number;
  /** Target temperature T after the quench (aging and production). */
  temperature: number;
  /** Equilibration steps at T_p (0: none). */
  equilSteps: number;
  /** Aging steps t_w at T before production (0: none). */
  twSteps: number;
  schedule: ProductionSchedule;
  /** Production integrator: 'isokinetic' (default) or 'nve' (from the velocities at the end of aging). */
  production?: 'isokinetic' | 'nve';
}

/** Where the protocol stands (plain data, saved in checkpoints). */
export interface ProtocolPosition {
  phase: ProtocolPhase;
  /** Steps done in the current phase (production: the production step S). */
  phaseStep: number;
  /** Whether the current phase's integrator has been set. */
  entered: boolean;
  /** Next production frame to write. */
  frame: number;
}

export interface AdvanceResult {
  /** Steps taken by this call. */
  steps: number;
  /** A production frame is due now (write it, then call `frameWritten`). */
  frameDue: boolean;
}

/** Runs the phases over an MdSimulation in chunks; the caller writes frames when told and checkpoints `position`. */
export class ThermalProtocol {
  readonly options: Required<ThermalProtocolOptions>;
  private pos: ProtocolPosition;
  private readonly steps: number[];

  constructor(options: ThermalProtocolOptions, position?: ProtocolPosition) {
    const o: Required<ThermalProtocolOptions> = {
      parentTemperature: options.parentTemperature ?? 0.5,
      temperature: options.temperature,
      equilSteps: options.equilSteps,
      twSteps: options.twSteps,
      schedule: validateProductionSchedule(options.schedule),
      production: options.production ?? 'isokinetic',
    };
    const nonNegInt = (v: number, what: string): void => {
      if (!(Number.isInteger(v) && v >= 0)) throw new RangeError(`protocol: ${what} must be a non-negative integer (got ${v})`);
    };
    nonNegInt(o.equilSteps, 'the equilibration steps');
    nonNegInt(o.twSteps, 'the aging steps t_w');
    if (o.production !== 'isokinetic' && o.production !== 'nve') throw new RangeError(`protocol: unknown production integrator ${String(o.production)}`);
    const needsT = o.twSteps > 0 || o.production === 'isokinetic';
    if (needsT && !(o.temperature > 0 && Number.isFinite(o.temperature))) throw new RangeError(`protocol: the temperature T must be > 0 (got ${o.temperature})`);
    if (o.equilSteps > 0 && !(o.parentTemperature > 0 && Number.isFinite(o.parentTemperature))) {
      throw new RangeError(`protocol: the parent temperature T_p must be > 0 (got ${o.parentTemperature})`);
    }
    this.options = o;
    this.steps = scheduleSteps(o.schedule);
    this.pos = position ? { ...position } : { phase: this.firstPhase(), phaseStep: 0, entered: false, frame: 0 };
    if (this.pos.frame > this.steps.length) throw new RangeError(`protocol: position frame ${this.pos.frame} beyond the schedule's ${this.steps.length} frames`);
  }

  private firstPhase(): ProtocolPhase {
    if (this.options.equilSteps > 0) return 'equilibrate';
    if (this.options.twSteps > 0) return 'age';
    return 'produce';
  }

  /** A copy of the current position. */
  get position(): ProtocolPosition {
    return { ...this.pos };
  }

  get done(): boolean {
    return this.pos.phase === 'done';
  }

  /** Number of production frames in all. */
  get frameCount(): number {
    return this.steps.length;
  }

  /** Production step S(f) of frame f. */
  frameStep(f: number): number {
    return this.steps[f];
  }

  /** Production steps of all frames (a copy). */
  frameSteps(): number[] {
    return this.steps.slice();
  }

  /** MD steps before production (equilibration + aging). */
  get preProductionSteps(): number {
    return this.options.equilSteps + this.options.twSteps;
  }

  /** Total MD steps of the protocol. */
  get totalSteps(): number {
    return this.preProductionSteps + (this.steps.length ? this.steps[this.steps.length - 1] : 0);
  }

  /** MD steps done so far. */
  get stepsDone(): number {
    const { phase, phaseStep } = this.pos;
    if (phase === 'equilibrate') return phaseStep;
    if (phase === 'age') return this.options.equilSteps + phaseStep;
    if (phase === 'produce') return this.preProductionSteps + phaseStep;
    return this.totalSteps;
  }

  /** The temperature the current phase holds (null in NVE production or when done). */
  get phaseTemperature(): number | null {
    switch (this.pos.phase) {
      case 'equilibrate': return this.options.parentTemperature;
      case 'age': return this.options.temperature;
      case 'produce': return this.options.production === 'isokinetic' ? this.options.temperature : null;
      default: return null;
    }
  }

  /** Set the integrator of the phase being entered (the quench is the switch to T). */
  private enter(sim: MdSimulation): void {
    const o = this.options;
    if (this.pos.phase === 'equilibrate') sim.setIntegrator('isokinetic', o.parentTemperature);
    else if (this.pos.phase === 'age') sim.setIntegrator('isokinetic', o.temperature);
    else if (this.pos.phase === 'produce') {
      if (o.production === 'nve') sim.setIntegrator('nve');
      else sim.setIntegrator('isokinetic', o.temperature);
    }
    this.pos.entered = true;
  }

  private nextPhase(): void {
    const o = this.options;
    const order: ProtocolPhase[] = ['equilibrate', 'age', 'produce'];
    let k = order.indexOf(this.pos.phase) + 1;
    if (order[k] === 'age' && o.twSteps === 0) k++;
    this.pos = { phase: order[k] ?? 'done', phaseStep: 0, entered: false, frame: this.pos.frame };
  }

  /**
   * Take at most `budget` steps towards the next milestone (end of a phase, or the next frame). Returns at once with
   * frameDue when a frame is due at the current step (then no step is taken).
   */
  advance(sim: MdSimulation, budget: number): AdvanceResult {
    if (!(Number.isInteger(budget) && budget > 0)) throw new RangeError(`protocol: the step budget must be a positive integer (got ${budget})`);
    if (this.pos.phase === 'done') return { steps: 0, frameDue: false };
    if (!this.pos.entered) this.enter(sim);
    if (this.pos.phase === 'produce') {
      const target = this.steps[this.pos.frame];
      if (this.pos.phaseStep === target) return { steps: 0, frameDue: true };
      const n = Math.min(budget, target - this.pos.phaseStep);
      sim.step(n);
      this.pos.phaseStep += n;
      return { steps: n, frameDue: this.pos.phaseStep === target };
    }
    const length = this.pos.phase === 'equilibrate' ? this.options.equilSteps : this.options.twSteps;
    const n = Math.min(budget, length - this.pos.phaseStep);
    if (n > 0) sim.step(n);
    this.pos.phaseStep += n;
    if (this.pos.phaseStep >= length) this.nextPhase();
    return { steps: n, frameDue: false };
  }

  /** The frame that was due has been written: move on to the next (or finish). */
  frameWritten(): void {
    if (this.pos.phase !== 'produce' || this.pos.phaseStep !== this.steps[this.pos.frame]) {
      throw new Error(`protocol: frameWritten() but no frame is due (phase ${this.pos.phase}, step ${this.pos.phaseStep})`);
    }
    this.pos.frame++;
    if (this.pos.frame >= this.steps.length) this.pos = { phase: 'done', phaseStep: 0, entered: true, frame: this.pos.frame };
  }
}

/** What systemFromFrame needs of a reader's Frame (src/core/io/types.ts; structural, so this file stays pure). */
export interface FrameLike {
  index: number;
  n: number;
  dimensions: 2 | 3;
  box: { origin: [number, number, number]; vectors: [[number, number, number], [number, number, number], [number, number, number]]; periodic: [boolean, boolean, boolean] };
  ids: Int32Array;
  types: Int32Array;
  positions: Float64Array;
  images: Int32Array | null;
  properties: Record<string, Float64Array>;
}

/**
 * A particle system from a trajectory frame (any reader): positions, box, ids and types as read, diameters from the
 * frame's `diameter` (or 2 x `radius`) column, velocities from vx/vy(/vz) when present (else zero), image flags when
 * present. A 2D frame's box gets z non-periodic with a unit depth (the engine's 2D convention) when its Lz is 0.
 */
export function systemFromFrame(frame: FrameLike, source = 'frame'): ParticleSystem {
  const n = frame.n;
  const props = frame.properties;
  let diameters: Float64Array | null = props.diameter ?? null;
  if (!diameters && props.radius) diameters = props.radius.map((r) => 2 * r);
  if (!diameters) throw new RangeError(`${source}: frame ${frame.index} has no particle diameters (a diameter or radius column)`);
  const dims = frame.dimensions;
  const box = {
    origin: [...frame.box.origin] as [number, number, number],
    vectors: frame.box.vectors.map((v) => [...v]) as [[number, number, number], [number, number, number], [number, number, number]],
    periodic: [...frame.box.periodic] as [boolean, boolean, boolean],
  };
  if (dims === 2) {
    box.periodic = [box.periodic[0], box.periodic[1], false];
    if (!(box.vectors[2][2] > 0)) {
      box.vectors[2] = [0, 0, 1];
      box.origin[2] = -0.5;
    }
  }
  const positions = frame.positions.slice();
  const velocities = new Float64Array(3 * n);
  const { vx, vy, vz } = props;
  if (vx && vy) {
    for (let i = 0; i < n; i++) {
      velocities[3 * i] = vx[i];
      velocities[3 * i + 1] = vy[i];
      velocities[3 * i + 2] = dims === 3 && vz ? vz[i] : 0;
    }
  }
  if (dims === 2) for (let i = 0; i < n; i++) positions[3 * i + 2] = 0;
  return makeSystem({
    dimensions: dims, box, positions, velocities, diameters: Float64Array.from(diameters),
    images: frame.images ? frame.images.slice() : undefined, ids: frame.ids.slice(), types: frame.types.slice(),
  });
}

/** Whether every velocity component is zero (a start without velocities). */
export function velocitiesAllZero(v: Float64Array): boolean {
  for (let i = 0; i < v.length; i++) if (v[i] !== 0) return false;
  return true;
}
