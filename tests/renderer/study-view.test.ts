// The Study view's pure rules (src/renderer/src/lib/study-view.ts): rows merged from 'study' events, the ensemble
// figure spec of the panel's choices (only what the kind reads; accepted by the API's declaration), the default output
// path, the sbatch box split and the summary line.
import { describe, expect, it } from 'vitest';
import { validateRequest } from '../../src/shared/api-validate.js';
import type { StudyRunRow } from '../../src/shared/api.js';
import {
  defaultStudyFigurePath, initialStudyChoices, mergeRows, splitSbatchArgs, studyFigureSpec, summaryText,
} from '../../src/renderer/src/lib/study-view.js';

function row(id: number, state: StudyRunRow['state'], fraction = 0): StudyRunRow {
  return {
    id, name: `T0.3-s${id}`, T: 0.3, seed: id, out: `/s/T0.3-s${id}/traj.gsd`, state, jobId: null, fraction, message: '', frames: null,
    candidates: null, tags: null, scheduler: null,
  };
}

describe('the Study view rules', () => {
  it('mergeRows replaces the changed rows by id and keeps the order', () => {
    const rows = [row(0, 'pending'), row(1, 'pending'), row(2, 'pending')];
    const merged = mergeRows(rows, [row(1, 'running', 0.4), row(3, 'pending')]);
    expect(merged.map((r) => [r.id, r.state, r.fraction])).toEqual([[0, 'pending', 0], [1, 'running', 0.4], [2, 'pending', 0], [3, 'pending', 0]]);
    expect(rows[1]!.state).toBe('pending');
    expect(mergeRows(rows, [])).toEqual(rows);
  });

  it('studyFigureSpec sends what the kind reads, and the API declaration accepts it', () => {
    const c = initialStudyChoices();
    expect(studyFigureSpec(c)).toEqual({ version: 1, kind: 'timeline', preset: 'aps-single', series: 'msd' });
    const d = studyFigureSpec({ ...c, kind: 'distribution', field: 'e_norm', moment: 'before', events: 'confirmed', bins: 30 });
    expect(d).toEqual({ version: 1, kind: 'distribution', preset: 'aps-single', field: 'e_norm', moment: 'before', events: 'confirmed', bins: 30 });
    const t = studyFigureSpec({ ...c, kind: 'tau', q: 7.2, size: 'aps-double' });
    expect(t).toEqual({ version: 1, kind: 'tau', preset: 'aps-double', q: 7.2 });
    expect(studyFigureSpec({ ...c, kind: 'tau' })).toEqual({ version: 1, kind: 'tau', preset: 'aps-single' });
    for (const spec of [d, t]) expect(validateRequest('previewStudyFigure', { studyId: 1, spec }).params).toEqual({ studyId: 1, spec });
  });

  it('the default output path lies in the study folder and names the figure', () => {
    const c = initialStudyChoices();
    expect(defaultStudyFigurePath('/runs/glass', 'glass', c)).toBe('/runs/glass/glass-timeline-msd.pdf');
    expect(defaultStudyFigurePath('/runs/glass/', 'my glass', { ...c, kind: 'distribution', format: 'png' })).toBe('/runs/glass/my_glass-distribution-d2min-at.png');
    expect(defaultStudyFigurePath('C:\\runs', 'g', { ...c, kind: 'tau', format: 'svg' })).toBe('C:\\runs\\g-tau.svg');
  });

  it('splitSbatchArgs splits at white space', () => {
    expect(splitSbatchArgs('  --partition=short\t--hold \n')).toEqual(['--partition=short', '--hold']);
    expect(splitSbatchArgs('')).toEqual([]);
  });

  it('summaryText: runs and events per temperature, tau and T_g', () => {
    expect(summaryText(null)).toBe('');
    expect(summaryText({ temperatures: [{ T: 0.3, runs: [0, 1], events: 4 }, { T: 0.5, runs: [2], events: 1 }] }))
      .toBe('T = 0.3: 2 runs, 4 events · T = 0.5: 1 run, 1 event');
    expect(summaryText({ temperatures: [{ T: 0.4, runs: [0, 1], tau: 1234.5 }], Tg: { Tg: 0.31234, sigma: 0.0123, tauG: 1e6 } }))
      .toBe('T = 0.4: 2 runs, τα = 1230 · T_g = 0.312 ± 0.012');
  });
});
