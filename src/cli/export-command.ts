// `avw export`: flags to the parameters of the export job (src/core/jobs/export-job.ts), which writes frames with our
// fields as a HOOMD GSD file; the result printed as text or JSON. The job's module is loaded when the command runs.
import { resolve } from 'node:path';
import type { ExportParams, ExportResult } from '../core/jobs/export-job.js';
import { FIELD_PARAMS } from '#shared/fields.js';
import { parseArgs, UsageError, type FlagSpec } from './args.js';
import { DIRECTORY, FIELD_FLAGS, FIELD_NAME_LIST, PATH, TYPE_DIAMETERS, flagOfParam } from './options.js';

export const EXPORT_HELP = `  avw export FILE --fields d2min,e_norm[,file:PROP...] [--frames A:B] [--ref previous|fixed:R|lag:L]
             [--cutoff RC ...] [--diameters FILE | --type-diameters T:D,...] --out OUT.gsd [--json]
                                              frames A..B-1 (a Python slice; default all) with the fields as
                                              HOOMD per-particle logs log/particles/NAME (float32, N x components)
                                              beside positions, box, types and diameters, for OVITO, freud and the
                                              gsd package; particles in id order; no reference (frame 0 of a pair
                                              field): NaN and a warning
`;

const FLAGS: FlagSpec = {
  json: 'boolean', 'index-dir': DIRECTORY, help: 'boolean', fields: FIELD_NAME_LIST,
  frames: { type: 'text', pattern: /^\d*:\d*$/, allowed: 'A:B (frames A to B-1, either may be left out)' },
  ref: { type: 'text', pattern: /^(previous|fixed:\d+|lag:\d+|\d+)$/, allowed: 'previous, fixed:R, lag:L or a frame number R' }, out: PATH,
  diameters: PATH, 'type-diameters': TYPE_DIAMETERS, ...FIELD_FLAGS,
};

/** `A:B`, `A:` or `:B` (a Python slice of frames). */
function framesOf(text: string): { from?: number; to?: number } {
  const m = /^(\d*):(\d*)$/.exec(text);
  if (!m) throw new UsageError(`avw export: --frames must be A:B (frames A to B-1, either may be left out), got "${text}"`);
  return { from: m[1] ? Number(m[1]) : undefined, to: m[2] ? Number(m[2]) : undefined };
}

/** previous, fixed:R, lag:L, or a frame number R (fixed, as `avw field --ref R`). */
function referenceOf(text: string): ExportParams['reference'] {
  if (text === 'previous') return { mode: 'previous' };
  if (/^\d+$/.test(text)) return { mode: 'fixed', frame: Number(text) };
  const m = /^(fixed|lag):(\d+)$/.exec(text);
  if (!m) throw new UsageError(`avw export: --ref must be previous, fixed:R, lag:L or a frame number R, got "${text}"`);
  return m[1] === 'fixed' ? { mode: 'fixed', frame: Number(m[2]) } : { mode: 'lag', lag: Number(m[2]) };
}

/** The export job's parameters from the command line (and the flags, for the diameters). */
export async function exportParamsFromArgs(argv: string[]): Promise<{ params: ExportParams; json: boolean; flags: Record<string, unknown> }> {
  const { positionals, flags } = parseArgs(argv, FLAGS, 'export');
  if (positionals.length !== 1) throw new UsageError(`avw export: expected one trajectory file, got ${positionals.length}`);
  if (typeof flags.fields !== 'string') throw new UsageError('avw export: --fields a,b,c is required (field names, or file:PROPERTY)');
  if (typeof flags.out !== 'string') throw new UsageError('avw export: --out OUT.gsd is required');
  const fieldParams: Record<string, unknown> = {};
  for (const k of Object.keys(FIELD_PARAMS)) {
    const v = flags[flagOfParam(k)];
    if (v !== undefined) fieldParams[k] = k === 'is' && typeof v === 'string' ? resolve(v) : v;
  }
  const { validateExportParams } = await import('../core/jobs/export-job.js');
  const params = validateExportParams({
    path: resolve(positionals[0]), indexDir: flags['index-dir'], out: resolve(flags.out),
    fields: flags.fields.split(',').map((s) => s.trim()).filter(Boolean),
    ...(typeof flags.frames === 'string' ? framesOf(flags.frames) : {}),
    reference: typeof flags.ref === 'string' ? referenceOf(flags.ref) : undefined,
    params: fieldParams,
  });
  return { params, json: flags.json === true, flags };
}

/** What the command takes from the CLI: its job runner (progress bar, Ctrl-C cancels) and --diameters handling. */
export interface ExportCli {
  runJob<R>(kind: string, params: unknown, label: string, quiet: boolean): Promise<R>;
  rememberSizes(file: string, flags: Record<string, unknown>, command: string): Promise<void>;
}

/** `avw export ...` */
export async function exportCommand(argv: string[], cli: ExportCli): Promise<void> {
  const { params, json, flags } = await exportParamsFromArgs(argv);
  await cli.rememberSizes(params.path, flags, 'export');
  const r = await cli.runJob<ExportResult>('export', params, 'export', json);
  for (const w of r.warnings) process.stderr.write(`avw export: warning: ${w}\n`);
  process.stdout.write(json ? `${JSON.stringify(r)}\n` : [
    `wrote ${r.out}: frames ${r.from}..${r.to - 1} (${r.frames}) of ${r.n} particles`,
    ...r.fields.map((f) => `  ${f.chunk}  (${f.components === 1 ? 'scalar' : `${f.components} components`})`),
    `field values: ${r.cached} from the cache, ${r.computed} computed${r.fromFile ? `, ${r.fromFile} read from the file` : ''}`,
  ].join('\n') + '\n');
}
