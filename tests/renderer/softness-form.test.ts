// The Softness panel's form: empty boxes take the job's defaults, every request it makes passes the API's validation,
// bad boxes are named before anything is sent, and the default model file sits beside the trajectory.
import { describe, expect, it } from 'vitest';
import { validateRequest } from '../../src/shared/api-validate.js';
import { TRAIN_DEFAULTS, defaultModelPath, trainRequest, type TrainForm } from '../../src/renderer/src/lib/softness-form.js';

const FORM: TrainForm = { frame: 42, ref: 41, labels: 'quantile', species: 'none', ...TRAIN_DEFAULTS };
const BLANK: TrainForm = {
  ...FORM, positiveQuantile: '', negativeQuantile: '', cutoff: '', r0: '', dr: '', count: '', width: '', C: '', hyperplanes: '', seed: '',
};

describe('softness training form', () => {
  it('makes requests the API accepts: the defaults as numbers, blank boxes left out', () => {
    const r = trainRequest(3, FORM, ' /runs/m.json ');
    expect(r).toEqual({
      trajectoryId: 3, frame: 42, ref: 41, labels: 'quantile', species: 'none', out: '/runs/m.json', positiveQuantile: 0.9, negativeQuantile: 0.5,
      cutoff: 2, r0: 0.4, dr: 0.1, count: 27, width: 0.1, C: 1, hyperplanes: 1, seed: 1,
    });
    expect(validateRequest('trainSoftness', r).params).toEqual(r);
    const blank = trainRequest(3, BLANK, '/runs/m.json');
    expect(blank).toEqual({ trajectoryId: 3, frame: 42, ref: 41, labels: 'quantile', species: 'none', out: '/runs/m.json' });
    expect(() => validateRequest('trainSoftness', blank)).not.toThrow();
  });

  it('threshold labels: per-species pairs (one box fills both), d_hard required, the quantiles left out', () => {
    const t = trainRequest(3, { ...FORM, labels: 'threshold', dHardSmall: '0.001', dHardLarge: '' }, '/m.json');
    expect(t).toMatchObject({ labels: 'threshold', dSoft: [0.0025, 0.0015], dHard: [0.001, 0.001] });
    expect(t).not.toHaveProperty('positiveQuantile');
    expect(() => validateRequest('trainSoftness', t)).not.toThrow();
    expect(trainRequest(3, { ...FORM, labels: 'threshold' }, '/m.json')).toMatch(/d_hard is needed with threshold labels/);
    expect(trainRequest(3, { ...FORM, labels: 'threshold', dHardSmall: 'x' }, '/m.json')).toBe('d_hard (small) must be a positive number (got "x")');
  });

  it('names the first bad box', () => {
    expect(trainRequest(3, { ...FORM, C: '-1' }, '/m.json')).toBe('C must be a positive number (got "-1")');
    expect(trainRequest(3, { ...FORM, count: '2.5' }, '/m.json')).toBe('count must be an integer from 1 to 1000 (got "2.5")');
    expect(trainRequest(3, { ...FORM, hyperplanes: '1001' }, '/m.json')).toBe('hyperplanes must be an integer from 1 to 1000 (got "1001")');
    expect(trainRequest(3, { ...FORM, positiveQuantile: '1' }, '/m.json')).toBe('positive quantile must be between 0 and 1 (got "1")');
    expect(trainRequest(3, { ...FORM, ref: 42 }, '/m.json')).toMatch(/must differ/);
    expect(trainRequest(3, FORM, '  ')).toMatch(/give the model file/);
  });

  it('puts the model beside the trajectory, named by its frame', () => {
    expect(defaultModelPath('/data/run 1/demo.gsd', 42)).toBe('/data/run 1/demo-softness-f42.json');
    expect(defaultModelPath('C:\\runs\\dump.lammpstrj.gz', 7)).toBe('C:\\runs\\dump-softness-f7.json');
  });
});
