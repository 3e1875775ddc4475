// The `minimize` job: the inherent structure of every frame of any trajectory with particle diameters, written as a
// GSD paired frame for frame with the input (same steps, same box), positions and box in float64 so that the stored
// minima keep max|F| < ftol (simulate-output.ts). Energy, max|F|, iterations and the T = 0 virial stress per frame in
// the log; a sidecar `<out>.json` records the source, method, tolerance and timings.
//
// Checkpoint and resume: after every frame written, `<out>.checkpoint` (written atomically, fsynced) records how many
// frames are done, the totals so far, the parameters and the source's fingerprint. A run killed at any moment resumes
// with `resume` (`avw minimize ... --resume`): the output is rewritten to the checkpoint's frames (dropping a frame
// written after it or interrupted half-way) and the minimization continues; every frame's inherent structure depends
// on that frame alone, so the finished file is the uninterrupted run's, byte for byte. The checkpoint is removed when
// the run completes.
import { existsSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { virialStress } from '../analysis/stress.js';
import { openIndexed } from '../index/indexed-trajectory.js';
import { frameDiameters } from '../io/frame-util.js';
import { GsdWriter } from '../io/gsd-writer.js';
import { potentialByName, type PotentialName } from '../potentials.js';
import { inherentStructure } from '../sim/inherent-structure.js';
import { wrapPositions } from '../sim/system.js';
import { JobCancelledError, type JobDefinition } from './job.js';
import {
  APPLICATION, canonicalJson, hoomdTypes, openGsdForResume, readCheckpoint, SOFTWARE_VERSION, writeCheckpoint, writeHoomdFrame, writeJsonAtomic,
} from './simulate-output.js';

export interface MinimizeParams {
  path: string;
  out: string;
  method: 'fire' | 'cg';
  ftol: number;
  potential: PotentialName;
  maxIterations: number;
  /** Continue a killed or cancelled run from `<out>.checkpoint`. */
  resume: boolean;
  indexDir?: string;
}

interface MinimizeCheckpoint {
  kind: 'minimize';
  /** The parameters that shape the output (not out, resume, indexDir). */
  params: Record<string, unknown>;
  /** The source trajectory's fingerprint (size and hashes) when the run started. */
  source: string;
  /** Frames written and covered by the totals below. */
  frames: number;
  n: number;
  unconverged: number;
  maxForce: number;
  iterations: number;
  wallSeconds: number;
}

export interface MinimizeJobResult {
  path: string;
  out: string;
  sidecar: string;
  frames: number;
  n: number;
  method: 'fire' | 'cg';
  ftol: number;
  unconverged: number;
  /** Largest max|F| over the stored minima. */
  maxForce: number;
  iterations: number;
  wallSeconds: number;
  secondsPerFrame: number;
  /** N * (minimizer iterations) / wallSeconds: the minimization's counterpart of atom-steps per second. */
  atomStepsPerSecond: number;
  /** The run continued from a checkpoint. */
  resumed: boolean;
}

export function validateMinimizeParams(raw: unknown): MinimizeParams {
  const p = (raw ?? {}) as Record<string, unknown>;
  const fail = (m: string): never => {
    throw new Error(`minimize: ${m}`);
  };
  if (typeof p.path !== 'string' || !p.path) fail('"path" must be a trajectory file');
  if (typeof p.out !== 'string' || !p.out) fail('"out" must be a file path');
  const path = resolve(p.path as string), out = resolve(p.out as string);
  if (path === out) fail('"out" must differ from the input trajectory');
  // Conjugate gradient by default, as Jha & Sengupta make their inherent structures; FIRE on request.
  const method = p.method ?? 'cg';
  if (method !== 'fire' && method !== 'cg') fail('"method" must be fire or cg');
  const potential = p.potential ?? 'wca';
  if (potential !== 'wca' && potential !== 'hertz') fail('"potential" must be wca or hertz');
  const ftol = p.ftol ?? 1e-10;
  if (!(typeof ftol === 'number' && ftol > 0)) fail('"ftol" must be a positive number');
  const maxIterations = p.maxIterations ?? 1_000_000;
  if (!(typeof maxIterations === 'number' && Number.isInteger(maxIterations) && maxIterations > 0)) fail('"maxIterations" must be a positive integer');
  if (p.indexDir !== undefined && typeof p.indexDir !== 'string') fail('"indexDir" must be a directory');
  if (p.resume !== undefined && typeof p.resume !== 'boolean') fail('"resume" must be true or false');
  return {
    path, out, method: method as 'fire' | 'cg', ftol: ftol as number, potential: potential as PotentialName,
    maxIterations: maxIterations as number, resume: p.resume === true, indexDir: p.indexDir as string | undefined,
  };
}

/** What must match between a checkpoint and its resume: everything that changes the output. */
function outputParams(p: MinimizeParams): Record<string, unknown> {
  return { path: p.path, method: p.method, ftol: p.ftol, potential: p.potential, maxIterations: p.maxIterations };
}

export const minimizeJob: JobDefinition<MinimizeParams, MinimizeJobResult> = {
  kind: 'minimize',
  validate: validateMinimizeParams,
  async run(p, ctx) {
    const started = performance.now();
    const potential = potentialByName(p.potential);
    const t = openIndexed(p.path, { indexDir: p.indexDir, signal: ctx.signal });
    let w: GsdWriter | null = null;
    let unconverged = 0, maxForce = 0, iterations = 0, n = 0, first = 0, earlierSeconds = 0;
    const frames = t.frameCount;
    const sidecar = `${p.out}.json`;
    const ckpt = `${p.out}.checkpoint`;
    const seconds = (): number => earlierSeconds + (performance.now() - started) / 1000;
    const writeSidecar = (status: string, done: number): void => writeJsonAtomic(sidecar, {
      format: 'avalanche-workbench/inherent-structures', version: 1,
      software: { name: 'avalanche-workbench', version: SOFTWARE_VERSION }, status,
      source: p.path, method: p.method, ftol: p.ftol, criterion: 'max |F_i|', potential: p.potential, maxIterations: p.maxIterations,
      precision: 'float64 positions, box and diameters', frames: done, unconverged, maxForce, iterations,
      log: { potential_energy: 'total energy U of the minimum', stress: 'pressure-like virial stress per unit area at T = 0 (2D)' },
      wallSeconds: seconds(),
    });
    const saveCheckpoint = (done: number): void => writeCheckpoint(ckpt, {
      kind: 'minimize', params: outputParams(p), source: t.fingerprint, frames: done, n, unconverged, maxForce, iterations, wallSeconds: seconds(),
    } satisfies MinimizeCheckpoint as unknown as Record<string, unknown>);
    try {
      const unusable = t.unusable();
      if (unusable) throw new Error(`minimize: ${unusable}`);
      if (frames === 0) throw new Error(`minimize: ${p.path} has no complete frame`);
      if (p.resume) {
        if (!existsSync(ckpt)) {
          throw new Error(`minimize: ${ckpt} does not exist: nothing to resume${existsSync(sidecar) ? ' (the run may be complete; see its sidecar)' : ''}`);
        }
        const c = readCheckpoint<MinimizeCheckpoint>(ckpt);
        if (c.kind !== 'minimize') throw new Error(`minimize: ${ckpt} is the checkpoint of a ${String(c.kind)} run, not of avw minimize`);
        if (canonicalJson(c.params) !== canonicalJson(outputParams(p))) {
          const mine = outputParams(p);
          const diff = Object.keys(mine).filter((k) => canonicalJson(mine[k]) !== canonicalJson(c.params[k]));
          throw new Error(`minimize: ${ckpt}: the run's parameters differ from the checkpoint's (${diff.join(', ')}); resume with the original parameters`);
        }
        if (c.source !== t.fingerprint) {
          throw new Error(`minimize: ${p.path} changed since ${ckpt} was written; delete the checkpoint and start over`);
        }
        if (c.frames > frames) throw new Error(`minimize: ${ckpt} records ${c.frames} frames, but ${p.path} has ${frames}`);
        ({ unconverged, maxForce, iterations, n } = c);
        first = c.frames;
        earlierSeconds = c.wallSeconds;
        // The output rewritten to exactly the checkpoint's frames: no frame after it, no bytes of an interrupted one.
        w = first === 0 ? GsdWriter.create(p.out, { application: APPLICATION }) : openGsdForResume(p.out, first);
      } else {
        if (existsSync(ckpt)) throw new Error(`minimize: ${ckpt} exists: pass resume (--resume) to continue that run, or delete it to start over`);
        w = GsdWriter.create(p.out, { application: APPLICATION });
        saveCheckpoint(0);
      }
      writeSidecar('running', first);
      for (let f = first; f < frames; f++) {
        if (ctx.signal.aborted) {
          writeSidecar('cancelled', f);
          throw new JobCancelledError('minimize');
        }
        const frame = t.readFrame(f);
        n = frame.n;
        const d = frameDiameters(frame);
        if (!d) throw new Error(`minimize: ${p.path}: frame ${f} has no particle diameters (a diameter or radius column), which the minimization needs`);
        const dims = frame.dimensions;
        const is = inherentStructure(frame.positions, d, frame.box, {
          method: p.method, ftol: p.ftol, potential, dimensions: dims, maxIterations: p.maxIterations,
        });
        if (!is.converged) unconverged++;
        maxForce = Math.max(maxForce, is.maxForce);
        iterations += is.iterations;
        const positions = is.positions;
        const images = frame.images ? frame.images.slice() : new Int32Array(3 * frame.n);
        if (dims === 2) for (let i = 0; i < frame.n; i++) positions[3 * i + 2] = 0;
        wrapPositions(positions, images, frame.box, dims);
        let sxx = NaN, syy = NaN, sxy = NaN;
        if (dims === 2) {
          const s = virialStress({ positions, box: frame.box, sizes: potential.sizesFromDiameters(d), potential, temperature: 0, perParticle: false }).global;
          sxx = s.xx; syy = s.yy; sxy = s.xy;
        }
        const { typeid, types } = hoomdTypes(frame);
        writeHoomdFrame(w, {
          step: frame.timestep, box: frame.box, dimensions: dims, positions, images, diameters: d, typeid, types, precision: 'double',
          log: {
            potential_energy: is.energy, max_force: is.maxForce, iterations: is.iterations, converged: is.converged ? 1 : 0,
            stress_xx: sxx, stress_yy: syy, stress_xy: sxy,
          },
        }, f === 0);
        saveCheckpoint(f + 1);
        ctx.progress(f + 1, frames, `frame ${f + 1}/${frames} · U ${is.energy.toExponential(6)} · ${is.iterations} iterations · max|F| ${is.maxForce.toExponential(1)}`);
        await new Promise((r) => setImmediate(r));
      }
    } finally {
      w?.close();
      t.close();
    }
    writeSidecar('complete', frames);
    rmSync(ckpt, { force: true });
    const wallSeconds = seconds();
    return {
      path: p.path, out: p.out, sidecar, frames, n, method: p.method, ftol: p.ftol, unconverged, maxForce, iterations, wallSeconds,
      secondsPerFrame: wallSeconds / frames, atomStepsPerSecond: wallSeconds > 0 ? (n * iterations) / wallSeconds : 0, resumed: p.resume,
    };
  },
};
