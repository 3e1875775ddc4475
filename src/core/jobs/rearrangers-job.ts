// The rearrangers of a run of frames (`avw rearrangers`; Zhang, Ridout & Liu Sec. II B): for each frame f of A+1..B,
// the particles whose D2min since frame f - 1 (neighbours within R_D in f - 1) exceeds d_soft of their species, the
// pairs with a single rearranger and nothing else moving beyond the quiet radius (the paper's filter for its near-field
// statistics), and the starts of rearrangements (a rearranger that was not one at the previous frame).
import { computeStrainFields } from '../analysis/d2min-strain.js';
import { classifyPair, DEFAULT_QUIET_FACTOR, rearrangementStarts } from '../analysis/rearrangers.js';
import { frameSpecies } from '../fields/softness-support.js';
import type { JobDefinition } from './job.js';
import { JobCancelledError } from './job.js';
import { withTrajectory } from './with-trajectory.js';

export interface RearrangersParams {
  path: string;
  indexDir?: string;
  /** Frames A..B (inclusive): the pairs (f - 1, f) for f = A+1..B; null = the whole trajectory. */
  frames: [number, number] | null;
  rd: number;
  dSoft: [number, number];
  quietRadius: number;
  quietFactor: number;
}

export interface RearrangersResult {
  frames: [number, number];
  speciesRule: string;
  /** Per frame f (against f - 1): the rearrangers' ids, whether the pair passes the single-rearranger filter. */
  pairs: { frame: number; count: number; ids: number[]; single: boolean }[];
  /** Frames whose pair passes the single-rearranger filter. */
  singleFrames: number[];
  /** Rearrangement starts: the particle's id and the frame f of the pair where it starts. */
  starts: { id: number; frame: number }[];
  total: number;
}

function fail(message: string): never {
  throw new Error(message);
}

export function validateRearrangersParams(raw: unknown): RearrangersParams {
  const p = (raw ?? {}) as Record<string, unknown>;
  if (typeof p.path !== 'string' || !p.path) fail('rearrangers: "path" must be a file path');
  if (p.indexDir !== undefined && typeof p.indexDir !== 'string') fail('rearrangers: "indexDir" must be a directory');
  let frames: [number, number] | null = null;
  if (p.frames !== undefined && p.frames !== null) {
    const f = p.frames;
    if (!Array.isArray(f) || f.length !== 2 || !f.every((x) => Number.isInteger(x) && x >= 0) || !(f[1] > f[0])) {
      fail(`rearrangers: --frames must be A:B with frame numbers 0 <= A < B (got ${JSON.stringify(f)})`);
    }
    frames = [f[0], f[1]];
  }
  const pos = (key: string, option: string, d: number): number => {
    const v = p[key] ?? d;
    if (typeof v !== 'number' || !(v > 0) || !Number.isFinite(v)) fail(`rearrangers: ${option} must be a positive number (got ${JSON.stringify(v)})`);
    return v;
  };
  const ds = (p.dSoft ?? [0.0025, 0.0015]) as unknown;
  const d = Array.isArray(ds) ? ds : [ds];
  if (d.length < 1 || d.length > 2 || !d.every((x) => typeof x === 'number' && x > 0 && Number.isFinite(x))) {
    fail(`rearrangers: --d-soft must be one positive number or two (small,large) (got ${JSON.stringify(ds)})`);
  }
  return {
    path: p.path, indexDir: p.indexDir as string | undefined, frames, rd: pos('rd', '--rd', 2), dSoft: [d[0], d[1] ?? d[0]],
    quietRadius: pos('quietRadius', '--quiet-radius', 5), quietFactor: pos('quietFactor', '--quiet-factor', DEFAULT_QUIET_FACTOR),
  };
}

export const rearrangersJob: JobDefinition<RearrangersParams, RearrangersResult> = {
  kind: 'rearrangers',
  validate: validateRearrangersParams,
  run(params, ctx) {
    return withTrajectory(params, ctx, (source) => {
      const t = source.t;
      const [a, b] = params.frames ?? [0, t.frameCount - 1];
      if (b >= t.frameCount) fail(`${t.path}: --frames ${a}:${b} goes past the last frame (${t.frameCount} frames, 0..${t.frameCount - 1})`);
      if (b <= a) fail(`${t.path}: --frames needs at least two frames (the trajectory has ${t.frameCount})`);
      let prev = source.read(a);
      const species = frameSpecies(prev);
      const pairs: RearrangersResult['pairs'] = [];
      const flags: Uint8Array[] = [];
      for (let f = a + 1; f <= b; f++) {
        if (ctx.signal.aborted) throw new JobCancelledError('rearrangers');
        ctx.progress(f - a - 1, b - a, `frame ${f}`);
        const cur = source.read(f);
        if (cur.n !== prev.n || cur.ids.some((id, i) => id !== prev.ids[i])) fail(`${t.path}: frames ${f - 1} and ${f} do not hold the same particles`);
        const d2min = computeStrainFields({
          reference: prev.positions, current: cur.positions, box: prev.box, currentBox: cur.box, dimensions: cur.dimensions, cutoff: params.rd,
        }).d2min;
        const c = classifyPair(d2min, species.species, prev.positions, prev.box, {
          thresholds: params.dSoft, quietRadius: params.quietRadius, quietFactor: params.quietFactor, dimensions: cur.dimensions,
        });
        flags.push(c.flags);
        const ids: number[] = [];
        for (let i = 0; i < cur.n; i++) if (c.flags[i]) ids.push(cur.ids[i]);
        pairs.push({ frame: f, count: c.count, ids, single: c.single });
        prev = cur;
      }
      ctx.progress(b - a, b - a);
      const starts = rearrangementStarts(flags);
      return {
        frames: [a, b], speciesRule: species.rule, pairs, singleFrames: pairs.filter((p) => p.single).map((p) => p.frame),
        starts: Array.from(starts.particle, (i, k) => ({ id: prev.ids[i], frame: a + 1 + starts.pair[k] })),
        total: pairs.reduce((s, p) => s + p.count, 0),
      };
    });
  },
};
