// The Study view's rules, pure (no DOM, no Vue): the runs' rows updated by 'study' events, the ensemble figure's
// choices and the spec they make (the engine's StudyFigureSpec without `study`, which the service fills in), the
// default output path, the sbatch options typed in one box, and the summary line of a figure's numbers.
import type { FigureFormatName, StudyFigureKindName, StudyFigureSpecRequest, StudyRunRow } from '#shared/api.js';
import { extensionOf } from './figure-spec.js';

/** The rows with the changed ones replaced (a 'study' event carries only the runs that changed). */
export function mergeRows(rows: readonly StudyRunRow[], changed: readonly StudyRunRow[]): StudyRunRow[] {
  if (changed.length === 0) return rows.slice();
  const byId = new Map(changed.map((r) => [r.id, r]));
  const out = rows.map((r) => byId.get(r.id) ?? r);
  for (const r of changed) if (!rows.some((x) => x.id === r.id)) out.push(r);
  return out.sort((a, b) => a.id - b.id);
}

export type StudySize = 'aps-single' | 'aps-double';

/** The figure panel's choices. */
export interface StudyFigureChoices {
  kind: StudyFigureKindName;
  /** distribution: a scalar field at a moment of every (or every confirmed) event, and its bins (null: the engine's). */
  field: string;
  moment: 'before' | 'at' | 'after';
  events: 'all' | 'confirmed';
  bins: number | null;
  /** timeline: the series averaged per temperature. */
  series: string;
  /** tau: the wave number of F_s (null: the engine's, from the first peak of S(q)). */
  q: number | null;
  size: StudySize;
  format: FigureFormatName;
}

export function initialStudyChoices(): StudyFigureChoices {
  return { kind: 'timeline', field: 'd2min', moment: 'at', events: 'all', bins: null, series: 'msd', q: null, size: 'aps-single', format: 'pdf' };
}

/** The spec the panel sends (previewStudyFigure, exportStudyFigure): only what the kind reads. */
export function studyFigureSpec(c: StudyFigureChoices): StudyFigureSpecRequest {
  const spec: StudyFigureSpecRequest = { version: 1, kind: c.kind, preset: c.size };
  if (c.kind === 'distribution') {
    spec.field = c.field as StudyFigureSpecRequest['field'];
    spec.moment = c.moment;
    spec.events = c.events;
    if (c.bins !== null) spec.bins = c.bins;
  } else if (c.kind === 'timeline') {
    spec.series = c.series as StudyFigureSpecRequest['series'];
  } else if (c.q !== null) {
    spec.q = c.q;
  }
  return spec;
}

/** In the study's folder: <study>-<kind>[-<field>-<moment> | -<series>].<ext>. */
export function defaultStudyFigurePath(studyDir: string, studyName: string, c: StudyFigureChoices): string {
  const sep = studyDir.includes('\\') && !studyDir.includes('/') ? '\\' : '/';
  const dir = studyDir.endsWith(sep) ? studyDir : studyDir + sep;
  const what = c.kind === 'distribution' ? `-${c.field}-${c.moment}` : c.kind === 'timeline' ? `-${c.series}` : '';
  const stem = `${studyName}-${c.kind}${what}`.replace(/[^\w.+-]/g, '_');
  return `${dir}${stem}${extensionOf(c.format)}`;
}

/** sbatch options typed in one box, split at white space ("--partition=short --hold"); empty entries dropped. */
export function splitSbatchArgs(text: string): string[] {
  return text.split(/\s+/).filter((s) => s.length > 0);
}

/** "T_g = 0.31 ± 0.02" of a tau figure's summary, "3 runs at T = 0.3, 1 at T = 0.5" of the others; '' when unknown. */
export function summaryText(summary: Record<string, unknown> | null): string {
  if (!summary) return '';
  const parts: string[] = [];
  const temps = Array.isArray(summary.temperatures) ? (summary.temperatures as { T: number | null; runs?: unknown; events?: unknown; tau?: unknown }[]) : [];
  for (const t of temps) {
    const runs = Array.isArray(t.runs) ? t.runs.length : null;
    const bits = [runs === null ? '' : `${runs} run${runs === 1 ? '' : 's'}`];
    if (typeof t.events === 'number') bits.push(`${t.events} event${t.events === 1 ? '' : 's'}`);
    if (typeof t.tau === 'number') bits.push(`τα = ${Number(t.tau.toPrecision(3))}`);
    parts.push(`T = ${t.T ?? '?'}: ${bits.filter(Boolean).join(', ')}`);
  }
  const glass = summary.Tg as { Tg?: unknown; sigma?: unknown } | null | undefined;
  if (glass && typeof glass.Tg === 'number') {
    parts.push(`T_g = ${Number(glass.Tg.toPrecision(3))}${typeof glass.sigma === 'number' ? ` ± ${Number(glass.sigma.toPrecision(2))}` : ''}`);
  }
  return parts.join(' · ');
}
