// `avw betti`: beta_1 of one frame (Jha & Sengupta App. B), with every H1 interval, for a look at one configuration or
// a check against GUDHI; the per-frame track is the series `betti1` (avw series --name betti1). A frame that is not a
// minimum of the potential energy gets a warning with its max|F| (the paper measures inherent structures). The
// vibrational command (`avw modes`, lambda_min of the Hessian, Eq. 6) belongs beside this one.
import { resolve } from 'node:path';
import { betti1, bettiPairs } from '../core/analysis/betti.js';
import { checkMinimum, notMinimumWarning } from '../core/fields/inherent.js';
import { openIndexed } from '../core/index/indexed-trajectory.js';
import type { PotentialName } from '../core/potentials.js';
import { CLI_NAMER, ParamError, SERIES_PARAMS, checkParam } from '#shared/fields.js';
import { parseArgs, UsageError } from './args.js';
import { optionOfParam } from '#shared/options.js';
import { DIRECTORY, FRAME, POTENTIAL } from './options.js';
import { progressBar } from './progress.js';

export const TOPOLOGY_HELP = `  avw betti FILE --frame F [--alpha 8.19] [--periodic] [--potential wca|hertz] [--json]
                                              beta_1 of one frame (Vietoris-Rips, App. B): H1 classes born <= alpha
                                              (the paper's count), alive at alpha, cycle-closing edges, and every
                                              interval; warns with max|F| when the frame is not a minimum
`;

export interface BettiOutput {
  file: string;
  frame: number;
  n: number;
  alpha: number;
  periodic: boolean;
  bornBelowAlpha: number;
  aliveAtAlpha: number;
  cycleEdges: number;
  edges: number;
  components: number;
  /** [birth, death or null (alive at alpha)], sorted by birth then death. */
  pairs: [number, number | null][];
  /** max|F| under `potential` and whether that is a minimum; null when the file stores no diameters. */
  potential: PotentialName;
  maxForce: number | null;
  minimum: boolean | null;
  warnings: string[];
}

function paramValue(name: 'alpha', v: unknown): number {
  try {
    return checkParam('avw betti', name, SERIES_PARAMS[name], v, CLI_NAMER) as number;
  } catch (e) {
    if (e instanceof ParamError) throw new UsageError(e.message);
    throw e;
  }
}

/** Compute beta_1 of one frame of a trajectory (opened through the index). */
export function bettiOfFrame(file: string, frame: number, options: { alpha: number; periodic: boolean; potential: PotentialName; indexDir?: string; quiet?: boolean }): BettiOutput {
  const bar = progressBar('indexing', options.quiet !== true && process.stderr.isTTY === true);
  let t;
  try {
    t = openIndexed(resolve(file), { indexDir: options.indexDir, onProgress: (p) => bar.update(p.fileBytesDone, p.fileBytesTotal, `${p.frames} frames`) });
  } finally {
    bar.finish();
  }
  try {
    if (frame < 0 || frame >= t.frameCount) throw new Error(`${t.path}: frame ${frame} does not exist (the trajectory has ${t.frameCount} frames, 0..${t.frameCount - 1})`);
    const f = t.readFrame(frame);
    const warnings = [...f.warnings];
    const check = checkMinimum(f, options.potential);
    const w = notMinimumWarning(t.path, f, check, 'beta_1');
    if (w) warnings.push(w);
    const r = betti1(f.positions, f.box, { alpha: options.alpha, periodic: options.periodic, dimensions: f.dimensions });
    return {
      file: t.path, frame, n: r.n, alpha: r.alpha, periodic: r.periodic,
      bornBelowAlpha: r.bornBelowAlpha, aliveAtAlpha: r.aliveAtAlpha, cycleEdges: r.cycleEdges, edges: r.edges, components: r.components,
      pairs: bettiPairs(r), potential: options.potential, maxForce: check?.maxForce ?? null, minimum: check?.minimum ?? null, warnings,
    };
  } finally {
    t.close();
  }
}

export function cmdBetti(argv: string[]): void {
  const { positionals, flags } = parseArgs(argv, {
    json: 'boolean', 'index-dir': DIRECTORY, help: 'boolean', frame: FRAME, alpha: optionOfParam(SERIES_PARAMS.alpha), periodic: 'boolean', potential: POTENTIAL,
  }, 'betti');
  if (positionals.length !== 1) throw new UsageError(`avw betti: expected one trajectory file, got ${positionals.length}`);
  if (flags.frame === undefined) throw new UsageError('avw betti: --frame F is required');
  const potential = flags.potential ?? 'wca';
  if (potential !== 'wca' && potential !== 'hertz') throw new UsageError(`avw betti: --potential must be wca or hertz (got "${String(potential)}")`);
  const alpha = flags.alpha === undefined ? SERIES_PARAMS.alpha.default : paramValue('alpha', flags.alpha);
  const json = flags.json === true;
  const r = bettiOfFrame(positionals[0]!, flags.frame as number, {
    alpha, periodic: flags.periodic === true, potential, indexDir: flags['index-dir'] as string | undefined, quiet: json,
  });
  for (const w of r.warnings) process.stderr.write(`avw betti: warning: ${w}\n`);
  const { file: _file, warnings: _warnings, ...value } = r;
  if (json) {
    process.stdout.write(`${JSON.stringify(value)}\n`);
    return;
  }
  const row = (label: string, v: string | number): string => `${label.padEnd(44)}${v}`;
  const lines = [
    `frame ${r.frame} of ${r.file}: N = ${r.n}, alpha = ${r.alpha} (${r.periodic ? 'minimum-image' : 'plain'} distances), ${r.edges} edges, beta_0 = ${r.components}`,
    row("beta_1 (born <= alpha, the paper's count)", r.bornBelowAlpha),
    row('alive at alpha', r.aliveAtAlpha),
    row('cycle-closing edges (E - V + beta_0)', r.cycleEdges),
    row(`max|F| (${r.potential})`, r.maxForce === null ? 'unknown (no diameters)' : `${r.maxForce.toPrecision(3)}${r.minimum ? ' (a minimum)' : ''}`),
    'birth death',
    ...r.pairs.map(([b, d]) => `${b} ${d ?? 'alive'}`),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}
