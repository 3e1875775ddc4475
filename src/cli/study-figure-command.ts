// `avw figure --study STUDY.json --kind distribution|timeline|tau ...` (and `avw figure --spec FIG.json` of such a figure):
// the ensemble figures of a study through the figure engine.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { buildStudyFigure, STUDY_FIGURE_KINDS } from '../core/study/study-figure.js';
import { PRESET_NAMES } from '../core/figures/style.js';
import { parseArgs, UsageError, type FlagSpec } from './args.js';
import { FIELD_NAME, LENGTH, PATH, RANGE, rangeOfFlags, styleOfFlags } from './options.js';

export const STUDY_FIGURE_HELP = `  avw figure --study STUDY.json --kind distribution|timeline|tau --out FIG.pdf|svg|png|tiff
             [--field NAME --moment before|at|after --events all|confirmed --bins N --range MIN:MAX]   (distribution)
             [--series msd|energy|...]  [--q Q]   [--linear-x] [--linear-y] [--log-y] [style options as above]
                                              ensemble figures of a study: a field at the events pooled per temperature
                                              (Figs. 2h, 4, 7a), a series averaged per temperature +- stderr, or
                                              F_s(q, t) and tau_alpha(T) with the VFT fit and T_g
`;

const FLAGS: FlagSpec = {
  json: 'boolean', help: 'boolean', study: PATH, spec: PATH, out: PATH, kind: { type: 'enum', values: STUDY_FIGURE_KINDS },
  field: FIELD_NAME, moment: { type: 'enum', values: ['before', 'at', 'after'] }, events: { type: 'enum', values: ['all', 'confirmed'] },
  bins: { type: 'int', min: 2, max: 1000 }, range: RANGE, series: { type: 'text', pattern: /^[a-z_0-9]+$/, allowed: 'a series name (avw series --study)' },
  q: { type: 'number', min: 0, minExclusive: true, max: 1e4 },
  preset: { type: 'enum', values: PRESET_NAMES }, width: LENGTH, height: LENGTH, font: { type: 'enum', values: ['sans', 'serif'] },
  'font-size': { type: 'number', min: 4, max: 36 }, colormap: { type: 'enum', values: ['viridis', 'cividis', 'magma'] }, dpi: { type: 'int', min: 72, max: 2400 },
  'log-x': 'boolean', 'log-y': 'boolean', 'linear-x': 'boolean', 'linear-y': 'boolean',
};

/** Whether `avw figure ARGS` asks for a study figure (--study, or a --spec written for a study). */
export function isStudyFigure(argv: string[]): boolean {
  if (argv.some((a) => a === '--study' || a.startsWith('--study='))) return true;
  const i = argv.findIndex((a) => a === '--spec' || a.startsWith('--spec='));
  if (i < 0) return false;
  const path = argv[i]!.startsWith('--spec=') ? argv[i]!.slice(7) : argv[i + 1];
  try {
    return typeof (JSON.parse(readFileSync(path!, 'utf8')) as { study?: unknown }).study === 'string';
  } catch {
    return false;
  }
}

function num(v: unknown, flag: string): number | undefined {
  if (v === undefined) return undefined;
  const x = Number(v);
  if (!Number.isFinite(x)) throw new UsageError(`avw figure: --${flag} must be a number, got "${String(v)}"`);
  return x;
}

export async function cmdStudyFigure(argv: string[]): Promise<void> {
  const { positionals, flags } = parseArgs(argv, FLAGS, 'figure');
  if (positionals.length > 0) throw new UsageError('avw figure: give a trajectory FILE or --study STUDY.json, not both');
  const json = flags.json === true;
  let spec: Record<string, unknown>;
  let out = typeof flags.out === 'string' ? resolve(flags.out) : undefined;
  if (typeof flags.spec === 'string') {
    try {
      spec = JSON.parse(readFileSync(flags.spec, 'utf8')) as Record<string, unknown>;
    } catch (e) {
      throw new UsageError(`avw figure: ${flags.spec}: cannot read the spec (${e instanceof Error ? e.message : String(e)})`);
    }
    const here = dirname(resolve(flags.spec));
    spec.study = resolve(here, spec.study as string);
    const o = spec.output as { path?: unknown } | undefined;
    out ??= typeof o?.path === 'string' ? resolve(here, o.path) : undefined;
  } else {
    if (typeof flags.study !== 'string') throw new UsageError('avw figure: --study STUDY.json is required');
    if (typeof flags.kind !== 'string' || !(STUDY_FIGURE_KINDS as readonly string[]).includes(flags.kind)) {
      throw new UsageError(`avw figure: --kind must be one of ${STUDY_FIGURE_KINDS.join(', ')} with --study`);
    }
    if (flags.preset !== undefined && !PRESET_NAMES.includes(flags.preset as never)) throw new UsageError(`avw figure: --preset must be one of ${PRESET_NAMES.join(', ')}`);
    const range = rangeOfFlags(flags);
    const style = styleOfFlags(flags);
    spec = {
      version: 1, kind: flags.kind, study: resolve(flags.study), field: flags.field, moment: flags.moment, events: flags.events,
      bins: flags.bins, range, series: flags.series, q: num(flags.q, 'q'), preset: flags.preset, style, dpi: flags.dpi,
    };
  }
  if (!out) throw new UsageError('avw figure: --out FIG.pdf|svg|png|tiff is required');
  let r;
  try {
    r = await buildStudyFigure(spec, out);
  } catch (e) {
    const m = e instanceof Error ? e.message : String(e);
    if (m.startsWith('study figure spec:')) throw new UsageError(`avw figure: ${m}`);
    throw e;
  }
  for (const w of r.warnings) process.stderr.write(`avw figure: ${w}\n`);
  const inches = (pt: number): string => (pt / 72).toFixed(2);
  process.stdout.write(json ? `${JSON.stringify(r)}\n` : [
    `${r.path}: ${r.format.toUpperCase()}, ${inches(r.widthPt)} x ${inches(r.heightPt)} in, ${(r.bytes / 1024).toFixed(0)} KiB`,
    `spec: ${r.sidecar}`,
    `data: ${r.csv}`,
  ].join('\n') + '\n');
}
