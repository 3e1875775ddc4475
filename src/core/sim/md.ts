// Molecular dynamics of a pair-potential system (Jha & Sengupta Sec. II: 2D polydisperse WCA, m = 1, dt = 0.003).
//
// Integrators (both advance positions, velocities and forces by one step of dt):
//  - 'nve': velocity Verlet, operation for operation as LAMMPS `fix nve`:
//       v += (dt/2) F/m;  x += dt v;  [Verlet list check / rebuild];  F = F(x);  v += (dt/2) F/m.
//  - 'isokinetic': the isokinetic (constrained kinetic energy) thermostat of D. Brown and J. H. R. Clarke,
//    Mol. Phys. 51, 1243 (1984) (the paper's Ref. 60), in the leap-frog form it is known by (Allen & Tildesley,
//    Computer Simulation of Liquids, constant-temperature MD; DL_POLY's NVT_E0 "following Brown and Clarke"). The
//    1984 text itself was not at hand; this is exactly what is implemented. With half-step velocities v(t -+ dt/2)
//    and a(t) = F(t)/m,
//       v'(t) = v(t - dt/2) + (dt/2) a(t)                 unconstrained on-step velocity
//       beta  = sqrt(K0 / K(v'(t))),  K0 = (dN - d) T0 / 2
//       v(t)  = beta v'(t)                                the on-step velocity: K(v(t)) = K0 exactly
//       v(t + dt/2) = (2 beta - 1) v(t - dt/2) + beta dt a(t)   (= 2 v(t) - v(t - dt/2))
//       x(t + dt)   = x(t) + dt v(t + dt/2).
//    So the kinetic energy of the on-step velocities is held at the target every step, to round-off. The state
//    between steps is (x(t), v(t - dt/2), beta(t), F(t)); v(t) is formed on demand. Starting (or switching) from
//    on-step velocities v(t), they are first scaled to the target exactly and taken as unconstrained:
//    v(t - dt/2) = v(t) - (dt/2) a(t), beta = 1, so the first step is a velocity-Verlet step from the scaled v(t).
// Temperature: T = 2 K / (d N - d) (k_B = 1), LAMMPS's `temp` with the total momentum removed (2N - 2 in 2D), so
// numbers compare directly with LAMMPS logs.
// Neighbours: Verlet list with skin (default 0.3), rebuilt exactly when some particle has moved more than skin/2
// since the last build (LAMMPS `neigh_modify every 1 delay 0 check yes`; the exact check is skipped while the sum of
// dt * max|v| since the build cannot reach skin/2, which changes no rebuild step); a rebuild filters a longer outer
// list (forces.ts). Positions are wrapped into the box (image counters updated) only at rebuilds, like LAMMPS, so
// between rebuilds they may lie up to skin/2 outside it; `wrappedPositions()` gives copies inside the box.
// Kernels: in 2D the steps run in the WebAssembly kernels of forces.ts (the integration fused into the force pass; the
// same numbers, bit for bit, as the JS loops below, which 3D and `kernel: 'js'` use), optionally on worker threads
// (MdOptions.team). `profile` collects where the time of the steps goes.
// Public state for the next layers (protocols, jobs, GSD output, checkpoints): `positions`, `images`, `velocities`,
// `forces`, `potentialEnergy()`, `temperature()`, `stress()`, `thermo()`, and `saveState()` / `fromState()` /
// `loadState()` (plain typed arrays + PRNG state; a resumed run is bit-identical to an uninterrupted one).
import { boxVolume, unwrapWithImages, type Box } from '../box.js';
import { potentialByName, WCA, type PairPotential, type PotentialName } from '../potentials.js';
import { VerletPairForces, type SymTensor } from './forces.js';
import { Rng, type RngState } from './rng.js';
import type { KernelTeam } from './wasm/kernels.js';
import { copyBox, degreesOfFreedom, kineticEnergy, makeSystem, wrapPositions, type ParticleSystem } from './system.js';

export type IntegratorName = 'nve' | 'isokinetic';

export interface MdOptions {
  /** Time step (default 0.003). */
  dt?: number;
  /** Verlet skin (default 0.3, LAMMPS `neighbor 0.3 bin`). */
  skin?: number;
  /** Skin of the outer list that inner rebuilds filter (default 5 skin; see forces.ts). Performance only. */
  outerSkin?: number;
  /** 'nve' (default) or 'isokinetic' (needs `temperature`). */
  integrator?: IntegratorName;
  /** Target temperature of the isokinetic thermostat. */
  temperature?: number;
  /** Pair potential (default WCA with epsilon 1). Sizes are derived from the system's diameters. */
  potential?: PairPotential;
  /** Random stream carried with the state (saved and restored); default `new Rng(seed)`. */
  rng?: Rng;
  /** Seed of the default random stream (default 1). */
  seed?: number;
  /** Step counter at the start (default 0). */
  timestep?: number;
  /** Simulation time at the start (default timestep * dt). */
  time?: number;
  /** Force loops: 'wasm' (default; 2D) or 'js' (forces.ts PairForcesOptions.kernel): the same numbers bit for bit. */
  kernel?: 'wasm' | 'js';
  /** Worker threads for the kernels (forces.ts PairForcesOptions.team; made by src/core/jobs/kernel-team.ts). */
  team?: KernelTeam;
}

/**
 * Where the time of the MD steps goes (seconds, summed while `MdSimulation.profile` is set):
 *  - integrate: the integrator's own particle passes (the JS loops; with the wasm kernels only what is not fused into
 *    the force pass: the first half-kick and drift of a `step` call, the isokinetic drift);
 *  - check: the Verlet list's displacement checks; lists: the list rebuilds (wrapping included; `outerBuilds` of the
 *    `builds` rebuilt the outer list too, and `outerLists` of `lists` is the time of those rebuilds, the neighbour
 *    search and the inner filtering after it included);
 *  - pairs: the pair loop (wasm: pass 1, u'/r d per pair; JS: the whole force loop);
 *  - scatter: wasm pass 2, the forces summed per particle with the fused integration (the second half-kick and the
 *    next step's first half and drift for NVE, the kinetic-energy sum of the isokinetic thermostat); 0 with JS loops.
 */
export interface MdProfile {
  steps: number;
  integrate: number;
  check: number;
  lists: number;
  outerLists: number;
  pairs: number;
  scatter: number;
  builds: number;
  outerBuilds: number;
}

/** A zeroed profile. */
export function emptyProfile(): MdProfile {
  return { steps: 0, integrate: 0, check: 0, lists: 0, outerLists: 0, pairs: 0, scatter: 0, builds: 0, outerBuilds: 0 };
}

/** Stress tensor in the pressure-like sign (repulsion positive; oracle README section D). */
export interface StressTensor extends SymTensor {
  /** Kinetic part included (see `MdSimulation.stress`). */
  kinetic: 'tensor' | 'ideal' | 'none';
}

/** Per-particle-normalised thermodynamics like LAMMPS `thermo_style custom step temp pe ke etotal press` with norm yes. */
export interface Thermo {
  step: number;
  time: number;
  temp: number;
  pe: number;
  ke: number;
  etotal: number;
  press: number;
}

/**
 * Everything needed to resume a run bit for bit: plain data and typed arrays (structured-clone friendly). The
 * particle arrays are those of a ParticleSystem (velocities: the on-step v(t)).
 */
export interface MdState extends ParticleSystem {
  format: 'avalanche-workbench/md-state';
  version: 1;
  /** Positions at the last Verlet-list build (the list is rebuilt from these on load, so it is the same list). */
  referencePositions: Float64Array;
  /** Positions and image counters at the last outer-list build, and the outer skin (see forces.ts). */
  outerReferencePositions: Float64Array;
  outerImages: Int32Array;
  outerSkin: number;
  /** Isokinetic only: half-step velocities v(t - dt/2) and beta(t). */
  halfStepVelocities: Float64Array | null;
  beta: number;
  integrator: IntegratorName;
  temperature: number | null;
  dt: number;
  skin: number;
  timestep: number;
  time: number;
  potential: { name: PotentialName; epsilon: number };
  rng: RngState;
  neighborBuilds: number;
  outerBuilds: number;
}

export class MdSimulation {
  readonly n: number;
  readonly dimensions: 2 | 3;
  readonly box: Box;
  /** Positions n*3, wrapped at the last list build (live array: read it, do not modify it). */
  readonly positions: Float64Array;
  /** Image counters n*3 (live array): unwrapped = positions + images . box vectors. */
  readonly images: Int32Array;
  readonly diameters: Float64Array;
  readonly masses: Float64Array;
  readonly ids: Int32Array;
  readonly types: Int32Array;
  readonly potential: PairPotential;
  readonly dt: number;
  readonly skin: number;
  readonly rng: Rng;
  /** Steps taken (LAMMPS `step`). */
  timestep: number;
  time: number;
  /** When set, the steps add their time per phase to it (see MdProfile; costs a few clock reads per step). */
  profile: MdProfile | null = null;

  private readonly vel: Float64Array;
  private readonly force: Float64Array;
  private readonly vhalf: Float64Array;
  /** dt / (2 m_i): the half kick per unit force. */
  private readonly hkick: Float64Array;
  /** The kernel choice and threads this simulation was made with (kept by loadState). */
  private readonly engine: { kernel?: 'wasm' | 'js'; team?: KernelTeam };
  private readonly pairs: VerletPairForces;
  private integratorName: IntegratorName = 'nve';
  private targetT: number | null = null;
  private beta = 1;
  /** Whether `vel` is stale (isokinetic: formed from vhalf, beta, force on demand). */
  private velStale = false;
  /** Whether vhalf/beta hold a valid isokinetic state for the current configuration. */
  private halfValid = false;
  private cachedPe: number | null = null;
  /** Upper bound of the largest displacement since the last list build (Infinity: check exactly). */
  private dispBound = Infinity;

  constructor(system: ParticleSystem, options: MdOptions = {}) {
    const s = makeSystem({ ...system, box: copyBox(system.box) });
    this.n = s.n;
    this.dimensions = s.dimensions;
    this.box = s.box;
    this.images = s.images.slice();
    this.diameters = s.diameters.slice();
    this.ids = s.ids.slice();
    this.types = s.types.slice();
    this.potential = options.potential ?? WCA;
    this.dt = options.dt ?? 0.003;
    this.skin = options.skin ?? 0.3;
    if (!(this.dt > 0)) throw new RangeError(`MD: dt must be > 0 (got ${this.dt})`);
    this.rng = options.rng ?? new Rng(options.seed ?? 1);
    this.timestep = options.timestep ?? 0;
    this.time = options.time ?? this.timestep * this.dt;
    this.engine = { kernel: options.kernel, team: options.team };
    this.pairs = new VerletPairForces({
      potential: this.potential, sizes: this.potential.sizesFromDiameters(this.diameters), box: this.box, dimensions: this.dimensions,
      skin: this.skin, outerSkin: options.outerSkin, kernel: options.kernel, team: options.team,
    });
    // The particle arrays live next to the engine's coordinates (the kernels' memory), where the kernels update them.
    const a = allocateArrays(this.pairs, this.n);
    this.positions = a.positions;
    this.force = a.force;
    this.vel = a.vel;
    this.vhalf = a.vhalf;
    this.masses = a.masses;
    this.hkick = a.hkick;
    this.positions.set(s.positions);
    this.vel.set(s.velocities);
    setMasses(this.masses, this.hkick, s.masses, this.dt);
    if (this.dimensions === 2) for (let i = 0; i < this.n; i++) this.positions[3 * i + 2] = 0;
    wrapPositions(this.positions, this.images, this.box, this.dimensions);
    this.pairs.build(this.positions, this.images);
    this.pairs.forces(this.positions, this.force);
    this.setIntegrator(options.integrator ?? 'nve', options.temperature);
  }

  /** Current integrator and isokinetic target temperature (null for NVE). */
  get integrator(): IntegratorName {
    return this.integratorName;
  }

  get targetTemperature(): number | null {
    return this.targetT;
  }

  /** Number of Verlet-list builds so far (the construction's build included). */
  get neighborBuilds(): number {
    return this.pairs.builds;
  }

  /** Pairs in the current Verlet list. */
  get listedPairs(): number {
    return this.pairs.pairs;
  }

  /** Threads stepping this simulation (1 without a team; see MdOptions.team). */
  get threads(): number {
    return this.pairs.threads;
  }

  /** Number of outer-list builds (neighbour searches) so far; see forces.ts. */
  get outerListBuilds(): number {
    return this.pairs.outerBuilds;
  }

  /**
   * Switch integrators between steps. 'isokinetic' scales the current velocities to `temperature` exactly (see the
   * header); switching to 'nve' keeps the current on-step velocities.
   */
  setIntegrator(kind: IntegratorName, temperature?: number): void {
    if (kind === 'nve') {
      this.materializeVelocities();
      this.integratorName = 'nve';
      this.targetT = null;
      this.halfValid = false;
      return;
    }
    if (kind !== 'isokinetic') throw new RangeError(`MD: unknown integrator ${String(kind)}`);
    const T = temperature ?? this.targetT;
    if (T == null || !(T > 0)) throw new RangeError(`MD: the isokinetic thermostat needs a temperature > 0 (got ${T})`);
    this.materializeVelocities();
    const k = kineticEnergy(this.vel, this.masses, this.dimensions);
    const k0 = this.targetKinetic(T);
    if (!(k > 0)) throw new RangeError('MD: the isokinetic thermostat cannot scale zero velocities; assign velocities first');
    const f = Math.sqrt(k0 / k);
    const v = this.vel, vh = this.vhalf, F = this.force, m = this.masses, hdt = 0.5 * this.dt;
    for (let i = 0; i < this.n; i++) {
      const h = hdt / m[i];
      for (let a = 0; a < 3; a++) {
        const p = 3 * i + a;
        v[p] *= f;
        vh[p] = v[p] - h * F[p];
      }
    }
    if (this.dimensions === 2) for (let i = 0; i < this.n; i++) vh[3 * i + 2] = 0;
    this.beta = 1;
    this.halfValid = true;
    this.velStale = false;
    this.integratorName = 'isokinetic';
    this.targetT = T;
  }

  private targetKinetic(T: number): number {
    return 0.5 * degreesOfFreedom(this.n, this.dimensions) * T;
  }

  /** On-step velocities v(t) n*3 (live array: read it, do not modify it; use `setVelocities`). */
  get velocities(): Float64Array {
    this.materializeVelocities();
    return this.vel;
  }

  /** Replace the velocities (n*3); an isokinetic run rescales them to its target as on a switch. */
  setVelocities(v: Float64Array): void {
    if (v.length !== 3 * this.n) throw new RangeError(`MD: ${v.length / 3} velocities for ${this.n} particles`);
    this.vel.set(v);
    if (this.dimensions === 2) for (let i = 0; i < this.n; i++) this.vel[3 * i + 2] = 0;
    this.velStale = false;
    if (this.integratorName === 'isokinetic') this.setIntegrator('isokinetic', this.targetT ?? undefined);
  }

  /** Forces F(t) n*3 on the current positions (live array). */
  get forces(): Float64Array {
    return this.force;
  }

  private materializeVelocities(): void {
    if (!this.velStale) return;
    const v = this.vel, vh = this.vhalf, F = this.force, m = this.masses, b = this.beta, hdt = 0.5 * this.dt;
    for (let i = 0; i < this.n; i++) {
      const h = hdt / m[i];
      const p = 3 * i;
      v[p] = b * (vh[p] + h * F[p]);
      v[p + 1] = b * (vh[p + 1] + h * F[p + 1]);
      v[p + 2] = b * (vh[p + 2] + h * F[p + 2]);
    }
    this.velStale = false;
  }

  /** Advance nSteps time steps with the current integrator. */
  step(nSteps = 1): void {
    if (!(Number.isInteger(nSteps) && nSteps >= 0)) throw new RangeError(`MD: step count must be a non-negative integer (got ${nSteps})`);
    if (nSteps === 0) return;
    this.cachedPe = null;
    const wasm = this.pairs.wasm;
    if (this.integratorName === 'nve') {
      this.materializeVelocities();
      if (wasm) this.runNveWasm(nSteps);
      else if (this.dimensions === 2) this.runNve2(nSteps);
      else this.runNve3(nSteps);
    } else {
      if (!this.halfValid) this.setIntegrator('isokinetic', this.targetT ?? undefined);
      if (wasm) this.runIsokineticWasm(nSteps);
      else this.runIsokinetic(nSteps);
    }
  }

  /** Wrap, rebuild the list; called when the displacement check fires. */
  private rebuild(): void {
    this.pairs.rebuild(this.positions, this.images);
  }

  private runNve2(nSteps: number): void {
    const n = this.n, x = this.positions, v = this.vel, F = this.force, m = this.masses;
    const dt = this.dt, dtf = 0.5 * dt;
    const unitMass = allOnes(m);
    const prof = this.profile;
    for (let s = 0; s < nSteps; s++) {
      const t0 = prof ? now() : 0;
      let vmax2 = 0;
      for (let i = 0; i < n; i++) {
        const p = 3 * i;
        const h = unitMass ? dtf : dtf / m[i];
        const vx = v[p] + h * F[p], vy = v[p + 1] + h * F[p + 1];
        v[p] = vx;
        v[p + 1] = vy;
        x[p] += dt * vx;
        x[p + 1] += dt * vy;
        vmax2 = Math.max(vmax2, vx * vx + vy * vy);
      }
      const t1 = prof ? now() : 0;
      this.checkList(dt * Math.sqrt(vmax2));
      const t2 = prof ? now() : 0;
      this.pairs.forces(x, F);
      const t3 = prof ? now() : 0;
      for (let i = 0; i < n; i++) {
        const p = 3 * i;
        const h = unitMass ? dtf : dtf / m[i];
        v[p] += h * F[p];
        v[p + 1] += h * F[p + 1];
      }
      if (prof) this.addProfile(prof, t0, t1, t2, t3, now());
      this.timestep++;
      this.time += dt;
    }
  }

  /**
   * The Verlet-list check of one step (LAMMPS `check yes`: rebuild when some particle moved more than skin/2 since
   * the last build). `drift` bounds this step's largest move (dt * max |v|); their running sum bounds the
   * displacement since the build, so the exact check (a pass over positions and reference) is needed only once that
   * sum passes skin/2 -- typically for the last few steps before each rebuild. The rebuild steps are exactly those
   * of a check at every step.
   */
  private checkList(drift: number): void {
    const half = 0.5 * this.skin;
    this.dispBound += drift * (1 + 1e-9);
    if (this.dispBound <= half) return;
    const d2 = this.pairs.maxDisplacement2(this.positions);
    if (d2 > half * half || !(d2 === d2)) {
      const prof = this.profile;
      if (prof) {
        const t = now();
        const outer = this.pairs.outerBuilds;
        this.rebuild();
        const dt = (now() - t) / 1000;
        prof.lists += dt;
        prof.check -= dt;
        prof.builds++;
        if (this.pairs.outerBuilds !== outer) {
          prof.outerBuilds += this.pairs.outerBuilds - outer;
          prof.outerLists += dt;
        }
      } else {
        this.rebuild();
      }
      this.dispBound = 0;
    } else {
      this.dispBound = Math.sqrt(d2) * (1 + 1e-9);
    }
  }

  // The wasm steps (2D): the same operations as runNve2 / runIsokinetic in the same order (so the same numbers, bit for
  // bit), with the integration fused into the force kernels' pass over the particles (forces.ts stepNve and friends).

  private runNveWasm(nSteps: number): void {
    const pairs = this.pairs, v = this.vel, h = this.hkick, dt = this.dt;
    const prof = this.profile;
    let t = prof ? now() : 0;
    // The first half of the first step; every later step's first half is fused into the previous step's force pass.
    let vmax2 = pairs.kickDrift(v, h, dt);
    if (prof) prof.integrate += (now() - t) / 1000;
    for (let s = 0; s < nSteps; s++) {
      const next = s + 1 < nSteps;
      if (prof) {
        t = now();
        this.checkList(dt * Math.sqrt(vmax2));
        const t1 = now();
        pairs.pairForces();
        const t2 = now();
        vmax2 = pairs.scatterNve(v, h, dt, next);
        const t3 = now();
        prof.steps++;
        prof.check += (t1 - t) / 1000;
        prof.pairs += (t2 - t1) / 1000;
        prof.scatter += (t3 - t2) / 1000;
      } else {
        this.checkList(dt * Math.sqrt(vmax2));
        pairs.pairForces();
        vmax2 = pairs.scatterNve(v, h, dt, next);
      }
      this.timestep++;
      this.time += dt;
    }
  }

  private runIsokineticWasm(nSteps: number): void {
    const pairs = this.pairs, vh = this.vhalf, m = this.masses, h = this.hkick, dt = this.dt;
    const k0 = this.targetKinetic(this.targetT as number);
    const unitMass = allOnes(m);
    const prof = this.profile;
    for (let s = 0; s < nSteps; s++) {
      // v(t + dt/2) = (2 beta - 1) v(t - dt/2) + beta dt a(t);  x(t + dt) = x(t) + dt v(t + dt/2).
      const b = this.beta, c = 2 * b - 1, bdt = b * dt;
      const t0 = prof ? now() : 0;
      const vmax2 = pairs.isokineticDrift(vh, m, c, bdt, unitMass, dt);
      const t1 = prof ? now() : 0;
      this.checkList(dt * Math.sqrt(vmax2));
      const t2 = prof ? now() : 0;
      pairs.pairForces();
      const t3 = prof ? now() : 0;
      // beta(t + dt) from the unconstrained on-step velocity v'(t + dt) = v(t + dt/2) + (dt/2) a(t + dt), its kinetic
      // energy summed in the force pass.
      const k = 0.5 * pairs.scatterIsokinetic(vh, h, m);
      if (prof) {
        const t4 = now();
        prof.steps++;
        prof.integrate += (t1 - t0) / 1000;
        prof.check += (t2 - t1) / 1000;
        prof.pairs += (t3 - t2) / 1000;
        prof.scatter += (t4 - t3) / 1000;
      }
      if (!(k > 0)) throw new RangeError(`MD: isokinetic step ${this.timestep + 1}: the unconstrained kinetic energy is ${k}`);
      this.beta = Math.sqrt(k0 / k);
      this.timestep++;
      this.time += dt;
    }
    this.velStale = true;
  }

  /** Add one step's phase times (ms clock readings: drift start, check start, forces start, forces end, step end). */
  private addProfile(prof: MdProfile, t0: number, t1: number, t2: number, t3: number, t4: number): void {
    prof.steps++;
    prof.integrate += (t1 - t0 + t4 - t3) / 1000;
    prof.check += (t2 - t1) / 1000;
    prof.pairs += (t3 - t2) / 1000;
  }

  private runNve3(nSteps: number): void {
    const n = this.n, x = this.positions, v = this.vel, F = this.force, m = this.masses;
    const dt = this.dt, dtf = 0.5 * dt;
    for (let s = 0; s < nSteps; s++) {
      for (let i = 0; i < n; i++) {
        const h = dtf / m[i];
        for (let p = 3 * i; p < 3 * i + 3; p++) {
          v[p] += h * F[p];
          x[p] += dt * v[p];
        }
      }
      this.checkList(Infinity);
      this.pairs.forces(x, F);
      for (let i = 0; i < n; i++) {
        const h = dtf / m[i];
        for (let p = 3 * i; p < 3 * i + 3; p++) v[p] += h * F[p];
      }
      this.timestep++;
      this.time += dt;
    }
  }

  private runIsokinetic(nSteps: number): void {
    const n = this.n, dims = this.dimensions, x = this.positions, vh = this.vhalf, F = this.force, m = this.masses;
    const dt = this.dt, hdt = 0.5 * dt;
    const k0 = this.targetKinetic(this.targetT as number);
    const unitMass = allOnes(m);
    const cz = dims === 3 ? 1 : 0;
    const prof = this.profile;
    for (let s = 0; s < nSteps; s++) {
      const t0 = prof ? now() : 0;
      // v(t + dt/2) = (2 beta - 1) v(t - dt/2) + beta dt a(t);  x(t + dt) = x(t) + dt v(t + dt/2).
      const b = this.beta, c = 2 * b - 1, bdt = b * dt;
      let vmax2 = 0;
      for (let i = 0; i < n; i++) {
        const p = 3 * i;
        const w = unitMass ? bdt : bdt / m[i];
        const vx = c * vh[p] + w * F[p], vy = c * vh[p + 1] + w * F[p + 1], vz = cz * (c * vh[p + 2] + w * F[p + 2]);
        vh[p] = vx;
        vh[p + 1] = vy;
        vh[p + 2] = vz;
        x[p] += dt * vx;
        x[p + 1] += dt * vy;
        x[p + 2] += dt * vz;
        vmax2 = Math.max(vmax2, vx * vx + vy * vy + vz * vz);
      }
      const t1 = prof ? now() : 0;
      this.checkList(dt * Math.sqrt(vmax2));
      const t2 = prof ? now() : 0;
      this.pairs.forces(x, F);
      const t3 = prof ? now() : 0;
      // beta(t + dt) from the unconstrained on-step velocity v'(t + dt) = v(t + dt/2) + (dt/2) a(t + dt).
      let k2 = 0;
      for (let i = 0; i < n; i++) {
        const p = 3 * i;
        const mi = m[i];
        const h = unitMass ? hdt : hdt / mi;
        const ux = vh[p] + h * F[p], uy = vh[p + 1] + h * F[p + 1], uz = vh[p + 2] + h * F[p + 2];
        k2 += mi * (ux * ux + uy * uy + uz * uz);
      }
      const k = 0.5 * k2;
      if (!(k > 0)) throw new RangeError(`MD: isokinetic step ${this.timestep + 1}: the unconstrained kinetic energy is ${k}`);
      this.beta = Math.sqrt(k0 / k);
      if (prof) this.addProfile(prof, t0, t1, t2, t3, now());
      this.timestep++;
      this.time += dt;
    }
    this.velStale = true;
  }

  /** Total potential energy U (cached until the next step). */
  potentialEnergy(): number {
    if (this.cachedPe === null) this.cachedPe = this.pairs.energy(this.positions);
    return this.cachedPe;
  }

  /** Per-particle energies e_i = (1/2) sum_j u(r_ij) (LAMMPS compute pe/atom). */
  perParticleEnergy(out = new Float64Array(this.n)): Float64Array {
    return this.pairs.perParticleEnergy(this.positions, out);
  }

  kineticEnergy(): number {
    return kineticEnergy(this.velocities, this.masses, this.dimensions);
  }

  /** Kinetic temperature 2K / (dN - d) (LAMMPS `temp`). */
  temperature(): number {
    const dof = degreesOfFreedom(this.n, this.dimensions);
    return dof > 0 ? (2 * this.kineticEnergy()) / dof : 0;
  }

  /** The pair virial W_ab = sum_{i<j} r_ij,a f_ij,b (pressure-like sign). */
  virial(): SymTensor {
    return this.pairs.virial(this.positions);
  }

  /**
   * Stress in the pressure-like sign (repulsion positive; the mechanical stress is its negative), per unit area
   * (2D) or volume: sigma_ab = (K_ab + W_ab) / A with W the pair virial and the kinetic part K chosen by `kinetic`:
   *  - 'tensor' (default): K_ab = sum_i m_i v_a v_b, the instantaneous kinetic tensor (LAMMPS `compute pressure`
   *    vector, so (xx + yy)/2 in 2D is LAMMPS's `press`);
   *  - 'ideal': K_ab = N T delta_ab with the kinetic temperature T (the oracle's rho T delta_ab, section D);
   *  - 'none': the configurational part only (inherent structures).
   */
  stress(kinetic: 'tensor' | 'ideal' | 'none' = 'tensor'): StressTensor {
    const w = this.virial();
    const A = boxVolume(this.box, this.dimensions);
    const k = { xx: 0, yy: 0, zz: 0, xy: 0, xz: 0, yz: 0 };
    if (kinetic === 'tensor') {
      const v = this.velocities, m = this.masses;
      for (let i = 0; i < this.n; i++) {
        const vx = v[3 * i], vy = v[3 * i + 1], vz = v[3 * i + 2], mi = m[i];
        k.xx += mi * vx * vx; k.yy += mi * vy * vy; k.zz += mi * vz * vz;
        k.xy += mi * vx * vy; k.xz += mi * vx * vz; k.yz += mi * vy * vz;
      }
    } else if (kinetic === 'ideal') {
      const nt = this.n * this.temperature();
      k.xx = nt; k.yy = nt; k.zz = this.dimensions === 3 ? nt : 0;
    }
    return {
      kinetic,
      xx: (k.xx + w.xx) / A, yy: (k.yy + w.yy) / A, zz: (k.zz + w.zz) / A,
      xy: (k.xy + w.xy) / A, xz: (k.xz + w.xz) / A, yz: (k.yz + w.yz) / A,
    };
  }

  /** Scalar pressure as LAMMPS `press`: (2K + tr W) / (d A) (kinetic part from the dN - d temperature times dof). */
  pressure(): number {
    const w = this.virial();
    const A = boxVolume(this.box, this.dimensions);
    const tr = this.dimensions === 2 ? w.xx + w.yy : w.xx + w.yy + w.zz;
    return (2 * this.kineticEnergy() + tr) / (this.dimensions * A);
  }

  /** LAMMPS-style thermodynamics, energies per particle (`thermo_modify norm yes`). */
  thermo(): Thermo {
    const pe = this.potentialEnergy() / this.n;
    const ke = this.kineticEnergy() / this.n;
    return { step: this.timestep, time: this.time, temp: this.temperature(), pe, ke, etotal: pe + ke, press: this.pressure() };
  }

  /** Positions wrapped into the box now (a copy) with the matching image counters. */
  wrappedPositions(): { positions: Float64Array; images: Int32Array } {
    const positions = this.positions.slice();
    const images = this.images.slice();
    wrapPositions(positions, images, this.box, this.dimensions);
    return { positions, images };
  }

  /** Unwrapped positions (a copy): positions + images . box vectors. */
  unwrappedPositions(out?: Float64Array): Float64Array {
    const u = unwrapWithImages(this.box, this.positions, this.images);
    if (!out) return u;
    out.set(u);
    return out;
  }

  /** A snapshot of the particle system (copies; positions wrapped into the box with their images). */
  snapshot(): ParticleSystem {
    const { positions, images } = this.wrappedPositions();
    return {
      n: this.n, dimensions: this.dimensions, box: copyBox(this.box), positions, images,
      velocities: this.velocities.slice(), diameters: this.diameters.slice(), masses: this.masses.slice(),
      ids: this.ids.slice(), types: this.types.slice(),
    };
  }

  /** The complete state (copies): `MdSimulation.fromState(saveState())` continues bit-identically. */
  saveState(): MdState {
    const iso = this.integratorName === 'isokinetic';
    const b = copyBox(this.box);
    return {
      format: 'avalanche-workbench/md-state',
      version: 1,
      n: this.n,
      dimensions: this.dimensions,
      box: { origin: b.origin, vectors: b.vectors, periodic: b.periodic },
      positions: this.positions.slice(),
      velocities: this.velocities.slice(),
      images: this.images.slice(),
      diameters: this.diameters.slice(),
      masses: this.masses.slice(),
      ids: this.ids.slice(),
      types: this.types.slice(),
      referencePositions: this.pairs.reference.slice(),
      outerReferencePositions: this.pairs.outerReference.slice(),
      outerImages: this.pairs.outerImages.slice(),
      outerSkin: this.pairs.outerSkin,
      halfStepVelocities: iso ? this.vhalf.slice() : null,
      beta: iso ? this.beta : 1,
      integrator: this.integratorName,
      temperature: this.targetT,
      dt: this.dt,
      skin: this.skin,
      timestep: this.timestep,
      time: this.time,
      potential: { name: this.potential.name, epsilon: this.potential.epsilon },
      rng: this.rng.state(),
      neighborBuilds: this.pairs.builds,
      outerBuilds: this.pairs.outerBuilds,
    };
  }

  /** A simulation resumed from `saveState()`; its next steps are bit-identical to the uninterrupted run's. */
  static fromState(state: MdState, options: { kernel?: 'wasm' | 'js'; team?: KernelTeam } = {}): MdSimulation {
    checkState(state);
    const sim = Object.create(MdSimulation.prototype) as MdSimulation;
    sim.restore(state, options);
    return sim;
  }

  /**
   * Replace this simulation's whole state by a saved one (any size): afterwards it continues exactly as
   * `MdSimulation.fromState(state)` would. Arrays obtained earlier (positions, images, ...) are no longer live.
   */
  loadState(state: MdState): void {
    checkState(state);
    this.restore(state, this.engine);
  }

  /** Restore a saved state into this object (the constructor's work without wrapping or velocity changes). */
  private restore(state: MdState, options: { kernel?: 'wasm' | 'js'; team?: KernelTeam } = {}): void {
    const w = this as unknown as Record<string, unknown>;
    const box: Box = copyBox(state.box);
    const potential = potentialByName(state.potential.name, state.potential.epsilon);
    w.n = state.n;
    w.dimensions = state.dimensions;
    w.box = box;
    w.images = Int32Array.from(state.images);
    w.diameters = Float64Array.from(state.diameters);
    w.ids = Int32Array.from(state.ids);
    w.types = Int32Array.from(state.types);
    w.potential = potential;
    w.dt = state.dt;
    w.skin = state.skin;
    w.rng = Rng.fromState(state.rng);
    w.timestep = state.timestep;
    w.time = state.time;
    const pairs = new VerletPairForces({
      potential, sizes: potential.sizesFromDiameters(this.diameters), box, dimensions: state.dimensions, skin: state.skin, outerSkin: state.outerSkin,
      kernel: options.kernel, team: options.team,
    });
    w.pairs = pairs;
    w.engine = { kernel: options.kernel, team: options.team };
    const a = allocateArrays(pairs, state.n);
    a.positions.set(state.positions);
    a.vel.set(state.velocities);
    if (state.halfStepVelocities) a.vhalf.set(state.halfStepVelocities);
    setMasses(a.masses, a.hkick, state.masses, state.dt);
    w.positions = a.positions;
    w.force = a.force;
    w.vel = a.vel;
    w.vhalf = a.vhalf;
    w.masses = a.masses;
    w.hkick = a.hkick;
    pairs.restore(Float64Array.from(state.outerReferencePositions), Int32Array.from(state.outerImages), Float64Array.from(state.referencePositions), this.images);
    pairs.builds = state.neighborBuilds;
    pairs.outerBuilds = state.outerBuilds;
    pairs.forces(this.positions, this.force);
    w.integratorName = state.integrator;
    w.targetT = state.temperature;
    w.beta = state.beta;
    w.velStale = false;
    w.halfValid = state.integrator === 'isokinetic' && state.halfStepVelocities !== null;
    w.cachedPe = null;
    w.dispBound = Infinity;
  }
}

function checkState(state: MdState): void {
  if (state.format !== 'avalanche-workbench/md-state' || state.version !== 1) {
    throw new RangeError(`MD state: unknown format ${String(state.format)} version ${String(state.version)}`);
  }
  const n = state.n;
  const need = (name: string, a: ArrayLike<number> | null, len: number): void => {
    if (!a || a.length !== len) throw new RangeError(`MD state: ${name} has ${a ? a.length : 'no'} entries, expected ${len}`);
  };
  need('positions', state.positions, 3 * n);
  need('velocities', state.velocities, 3 * n);
  need('images', state.images, 3 * n);
  need('referencePositions', state.referencePositions, 3 * n);
  need('outerReferencePositions', state.outerReferencePositions, 3 * n);
  need('outerImages', state.outerImages, 3 * n);
  need('diameters', state.diameters, n);
  need('masses', state.masses, n);
  need('ids', state.ids, n);
  need('types', state.types, n);
  if (state.integrator === 'isokinetic') need('halfStepVelocities', state.halfStepVelocities, 3 * n);
}

/** The particle arrays of a simulation, allocated next to the engine's coordinates (positions and forces are its own). */
function allocateArrays(pairs: VerletPairForces, n: number): {
  positions: Float64Array; force: Float64Array; vel: Float64Array; vhalf: Float64Array; masses: Float64Array; hkick: Float64Array;
} {
  return {
    positions: pairs.xbuf, force: pairs.fbuf, vel: pairs.allocate(3 * n), vhalf: pairs.allocate(3 * n),
    masses: pairs.allocate(n), hkick: pairs.allocate(n),
  };
}

/** Masses and the half-kick factors dt / (2 m_i) (for unit masses exactly dt / 2, as LAMMPS's dtf / mass). */
function setMasses(masses: Float64Array, hkick: Float64Array, from: ArrayLike<number>, dt: number): void {
  const dtf = 0.5 * dt;
  for (let i = 0; i < masses.length; i++) {
    masses[i] = from[i];
    hkick[i] = dtf / from[i];
  }
}

/** Milliseconds of the platform's monotonic clock (the profile's; `performance` is in every JS runtime, typed here). */
function now(): number {
  return (globalThis as unknown as { performance: { now(): number } }).performance.now();
}

function allOnes(m: Float64Array): boolean {
  for (let i = 0; i < m.length; i++) if (m[i] !== 1) return false;
  return true;
}
