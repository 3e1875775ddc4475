// The Softness panel's training form as plain data: its boxes (text as typed; empty means the job's default), the
// request they make (or the first problem, naming the box), and the default model file beside the trajectory.
import type { ApiParams, SoftnessLabelsName } from '#shared/api.js';

/** A model file beside the trajectory: DIR/STEM-softness-fFRAME.json. */
export function defaultModelPath(trajectoryPath: string, frame: number): string {
  const cut = Math.max(trajectoryPath.lastIndexOf('/'), trajectoryPath.lastIndexOf('\\'));
  const dir = trajectoryPath.slice(0, cut + 1);
  const name = trajectoryPath.slice(cut + 1).replace(/\.(gz|bz2|xz)$/i, '');
  const stem = name.replace(/\.[^.]+$/, '') || name || 'trajectory';
  return `${dir}${stem}-softness-f${frame}.json`;
}

/** The training form: numbers as typed (empty: the default the job takes). */
export interface TrainForm {
  frame: number;
  ref: number;
  labels: SoftnessLabelsName;
  positiveQuantile: string;
  negativeQuantile: string;
  dSoftSmall: string;
  dSoftLarge: string;
  dHardSmall: string;
  dHardLarge: string;
  cutoff: string;
  r0: string;
  dr: string;
  count: string;
  width: string;
  species: 'none' | 'type';
  C: string;
  hyperplanes: string;
  seed: string;
}

/** Defaults of `avw softness train` (the form shows them; the job takes the same). */
export const TRAIN_DEFAULTS = {
  positiveQuantile: '0.9', negativeQuantile: '0.5', dSoftSmall: '0.0025', dSoftLarge: '0.0015', dHardSmall: '', dHardLarge: '', cutoff: '2',
  r0: '0.4', dr: '0.1', count: '27', width: '0.1', C: '1', hyperplanes: '1', seed: '1',
} as const;

type TrainRequest = ApiParams<'trainSoftness'>;

/** The request of a form, or the first problem with it (naming the box). */
export function trainRequest(trajectoryId: number, f: TrainForm, out: string): TrainRequest | string {
  const number = (raw: string, label: string, ok: (x: number) => boolean, what: string): number | undefined | string => {
    const t = raw.trim();
    if (t === '') return undefined;
    const x = Number(t);
    return Number.isFinite(x) && ok(x) ? x : `${label} must be ${what} (got "${t}")`;
  };
  const positive = (x: number): boolean => x > 0;
  const integer = (lo: number, hi: number) => (x: number): boolean => Number.isInteger(x) && x >= lo && x <= hi;
  const req: Record<string, unknown> = { trajectoryId, frame: f.frame, ref: f.ref, labels: f.labels, species: f.species, out: out.trim() };
  const boxes: [keyof TrainForm, string, (x: number) => boolean, string][] = [
    ['cutoff', 'cutoff', positive, 'a positive number'], ['r0', 'r0', (x) => x >= 0, 'a number >= 0'], ['dr', 'dr', positive, 'a positive number'],
    ['count', 'count', integer(1, 1000), 'an integer from 1 to 1000'], ['width', 'width', positive, 'a positive number'],
    ['C', 'C', positive, 'a positive number'], ['hyperplanes', 'hyperplanes', integer(1, 1000), 'an integer from 1 to 1000'],
    ['seed', 'seed', (x) => Number.isInteger(x), 'an integer'],
  ];
  if (f.labels === 'quantile') {
    boxes.push(['positiveQuantile', 'positive quantile', (x) => x > 0 && x < 1, 'between 0 and 1'], ['negativeQuantile', 'negative quantile', (x) => x > 0 && x < 1, 'between 0 and 1']);
  }
  for (const [key, label, ok, what] of boxes) {
    const v = number(f[key] as string, label, ok, what);
    if (typeof v === 'string') return v;
    if (v !== undefined) req[key] = v;
  }
  if (f.labels === 'threshold') {
    const pair = (small: string, large: string, label: string): [number, number] | undefined | string => {
      const a = number(small, `${label} (small)`, positive, 'a positive number');
      const b = number(large, `${label} (large)`, positive, 'a positive number');
      if (typeof a === 'string') return a;
      if (typeof b === 'string') return b;
      if (a === undefined && b === undefined) return undefined;
      return [a ?? (b as number), b ?? (a as number)];
    };
    const dSoft = pair(f.dSoftSmall, f.dSoftLarge, 'd_soft');
    const dHard = pair(f.dHardSmall, f.dHardLarge, 'd_hard');
    if (typeof dSoft === 'string') return dSoft;
    if (typeof dHard === 'string') return dHard;
    if (dHard === undefined) return 'd_hard is needed with threshold labels (D2min below it: not rearranging)';
    if (dSoft) req.dSoft = dSoft;
    req.dHard = dHard;
  }
  if (f.frame === f.ref) return 'the frame and the reference frame must differ (D2min between them labels the particles)';
  if (!req.out) return 'give the model file (an absolute path ending in .json)';
  return req as TrainRequest;
}
