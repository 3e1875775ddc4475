// validateRequest: every method's parameters checked strictly (types, ranges, known names, no unexpected keys,
// string lengths), table-driven: for each method, requests that pass (and what they normalise to) and malformed
// ones with the message that names the problem.
import { describe, expect, it } from 'vitest';
import { API_LIMITS, API_METHODS, FIELD_NAMES, SERIES_NAMES, type ApiMethod } from '../../src/shared/api.js';
import { ApiValidationError, validateRequest } from '../../src/shared/api-validate.js';

type Case = [params: unknown, message: RegExp];

interface Row {
  valid: { params: unknown; normalised?: unknown }[];
  invalid: Case[];
}

const long = (n: number): string => 'x'.repeat(n);
const notAbsolute = /must be an absolute path/;
const badPath = /must be a non-empty file path/;

/** Malformed ids every method with such a parameter rejects. */
function badIds(base: Record<string, unknown>, key: string): Case[] {
  const msg = new RegExp(`"${key}" must be a non-negative integer`);
  return [-1, 1.5, '3', null, NaN, Infinity, 2 ** 31, true, [1], { n: 1 }].map((v) => [{ ...base, [key]: v }, msg] as Case)
    .concat([[Object.fromEntries(Object.entries(base).filter(([k]) => k !== key)), msg]]);
}

const noParamsInvalid: Case[] = [
  [{ extra: 1 }, /unexpected parameter "extra"/],
  [[], /parameters must be an object/],
  ['x', /parameters must be an object/],
  [new Float64Array(2), /parameters must be an object/],
];

const T = { trajectoryId: 1 };
const SPEC = { kind: 'fields', frame: 12 };
const TRAIN = { ...T, frame: 5, ref: 4, out: '/tmp/m.json' };
const FULL_SPEC = {
  version: 1, kind: 'grid', frame: 12, before: 10, after: 14, fields: ['d2min', 'e_norm'], reference: { mode: 'fixed', frame: 0 }, cutoff: 2.5,
  range: { min: 0, max: 1 }, preset: 'aps-single', dpi: 600, family: [{ path: '/runs/T0.3.gsd', label: 'T = 0.3', frame: 2 }],
  style: { width: '8.6cm', height: '6cm', fontFamily: 'serif', fontSize: 9, colormap: 'magma', rasterParticles: true, rasterDpi: 1200, logY: true },
};

/** Malformed figure specs both figure methods reject, with the message naming the key. */
function badSpecs(base: Record<string, unknown>): Case[] {
  const spec = (s: unknown): Record<string, unknown> => ({ ...base, spec: s });
  return [
    [{ ...T, ...(base.out ? { out: base.out } : {}) }, /"spec" must be an object/],
    [spec([1]), /"spec" must be an object/], [spec('fields'), /"spec" must be an object/],
    [spec({ ...SPEC, trajectory: '/runs/a.gsd' }), /"spec.trajectory" is set by the workbench/],
    [spec({ ...SPEC, indexDir: '/tmp/index' }), /"spec.indexDir" is set by the workbench/],
    [spec({ ...SPEC, colour: 'red' }), /unknown figure spec key "spec.colour"; expected one of version, kind, frame/],
    [spec({ ...SPEC, style: { font: 'serif' } }), /unknown figure spec key "spec.style.font"; expected one of width, height/],
    [spec({ ...SPEC, style: 'serif' }), /"spec.style" must be an object/],
    [spec({ ...SPEC, reference: { mode: 'fixed', ref: 3 } }), /unknown figure spec key "spec.reference.ref"/],
    [spec({ ...SPEC, range: { min: 0, max: 1, log: true } }), /unknown figure spec key "spec.range.log"/],
    [spec({ ...SPEC, family: { path: '/a.gsd' } }), /"spec.family" must be a list/],
    [spec({ ...SPEC, family: [{ path: 'a.gsd', label: 'a' }] }), /"spec.family\[0\].path" must be an absolute path/],
    [spec({ ...SPEC, family: [{ path: '/a.gsd', label: 'a', colour: 'red' }] }), /unknown figure spec key "spec.family\[0\].colour"/],
    [spec({ ...SPEC, kind: 'movie' }), /"spec.kind" must be one of fields, vectors, timeline, distribution, heatmap, scatter, grid/],
    [spec({ kind: 'fields' }), /"spec.frame" must be a non-negative integer/],
    [spec({ ...SPEC, frame: -1 }), /"spec.frame" must be a non-negative integer/],
    [spec({ ...SPEC, range: { min: NaN, max: 1 } }), /"spec"\.range\.min must be a finite number/],
    [spec({ ...SPEC, marks: [new Float64Array(2)] }), /"spec"\.marks\[0\] must be JSON data/],
    [spec({ ...SPEC, marks: Array.from({ length: 40_000 }, (_, i) => 1_000_000 + i) }), /"spec" is larger than 262144 characters/],
    [spec(JSON.parse('{"kind":"fields","frame":1,"__proto__":{"x":1}}') as unknown), /unknown figure spec key "spec.__proto__"/],
  ];
}

const S = { studyId: 1 };
const STUDY_SPEC = { kind: 'timeline', series: 'msd' };
const FULL_STUDY_SPEC = {
  version: 1, kind: 'distribution', field: 'd2min', moment: 'at', events: 'confirmed', bins: 40, range: { min: 0, max: 2 }, preset: 'aps-double', dpi: 300,
  style: { fontFamily: 'serif', fontSize: 8 },
};

/** Malformed study figure specs both study figure methods reject. */
function badStudySpecs(base: Record<string, unknown>): Case[] {
  const spec = (s: unknown): Record<string, unknown> => ({ ...base, spec: s });
  return [
    [spec(undefined), /"spec" must be an object/], [spec(['timeline']), /"spec" must be an object/],
    [spec({ ...STUDY_SPEC, study: '/runs/other.json' }), /"spec.study" is set by the workbench/],
    [spec({ kind: 'fields' }), /"spec.kind" must be one of distribution, timeline, tau/],
    [spec({ ...STUDY_SPEC, colour: 'red' }), /unknown figure spec key "spec.colour"/],
    [spec({ kind: 'distribution', field: 'displacement' }), /"spec.field" must be one of .* \(a scalar field\)/],
    [spec({ kind: 'distribution', field: 'd2min', moment: 'during' }), /"spec.moment" must be one of before, at, after/],
    [spec({ kind: 'distribution', field: 'd2min', events: 'some' }), /"spec.events" must be one of all, confirmed/],
    [spec({ kind: 'distribution', field: 'd2min', bins: 1 }), /"spec.bins" must be an integer from 2 to 1000/],
    [spec({ kind: 'distribution', field: 'd2min', range: { min: 1, max: 1 } }), /needs min < max/],
    [spec({ kind: 'timeline', series: 'nope' }), /"spec.series" must be one of/],
    [spec({ kind: 'tau', q: 0 }), /"spec.q" must be a positive wave number/],
    [spec({ kind: 'tau', dpi: 10 }), /"spec.dpi" must be an integer from 72 to 2400/],
    [spec({ kind: 'tau', style: { font: 'serif' } }), /unknown figure spec key "spec.style.font"/],
  ];
}

const TABLE: Record<ApiMethod, Row> = {
  version: { valid: [{ params: {}, normalised: {} }, { params: undefined, normalised: {} }, { params: null, normalised: {} }], invalid: noParamsInvalid },
  openDemo: { valid: [{ params: {}, normalised: {} }], invalid: noParamsInvalid },
  recentFiles: { valid: [{ params: {}, normalised: {} }], invalid: noParamsInvalid },
  getSession: { valid: [{ params: {}, normalised: {} }], invalid: noParamsInvalid },
  listJobs: { valid: [{ params: {}, normalised: {} }], invalid: noParamsInvalid },
  openTrajectory: {
    valid: [
      { params: { path: '/data/run.gsd' }, normalised: { path: '/data/run.gsd' } },
      { params: { path: 'C:\\runs\\a.xtc' } },
      { params: { path: '\\\\server\\share\\a.dcd' } },
      { params: { path: '/' + long(API_LIMITS.pathLength - 1) } },
    ],
    invalid: [
      [{}, badPath], [{ path: '' }, badPath], [{ path: 7 }, badPath], [{ path: ['/a'] }, badPath],
      [{ path: '/a\0b' }, badPath], [{ path: '/' + long(API_LIMITS.pathLength) }, badPath],
      [{ path: 'relative/run.gsd' }, notAbsolute], [{ path: '~/run.gsd' }, notAbsolute],
      [{ path: '/a', mode: 'w' }, /unexpected parameter "mode"/],
    ],
  },
  getFrame: {
    valid: [
      { params: { trajectoryId: 1, frame: 0 }, normalised: { trajectoryId: 1, frame: 0, unwrapped: false } },
      { params: { trajectoryId: 0, frame: 2 ** 31 - 1, unwrapped: true }, normalised: { trajectoryId: 0, frame: 2 ** 31 - 1, unwrapped: true } },
      {
        params: { trajectoryId: 1, frame: 3, compact: true, particlesKey: '0123456789abcdef' },
        normalised: { trajectoryId: 1, frame: 3, unwrapped: false, compact: true, particlesKey: '0123456789abcdef' },
      },
    ],
    invalid: [
      ...badIds({ trajectoryId: 1, frame: 0 }, 'trajectoryId'), ...badIds({ trajectoryId: 1, frame: 0 }, 'frame'),
      [{ trajectoryId: 1, frame: 0, unwrapped: 'yes' }, /"unwrapped" must be a boolean/],
      [{ trajectoryId: 1, frame: 0, compact: 1 }, /"compact" must be a boolean/],
      ...['', '0123456789ABCDEF', '0123456789abcde', '0123456789abcdef0', 12].map((k) => [{ trajectoryId: 1, frame: 0, particlesKey: k }, /"particlesKey" must be 16 hexadecimal digits/] as Case),
      [{ trajectoryId: 1, frame: 0, field: 'd2min' }, /unexpected parameter "field"/],
    ],
  },
  getSeries: {
    valid: [
      ...SERIES_NAMES.map((name) => ({ params: { ...T, name }, normalised: { ...T, name } })),
      { params: { ...T, name: 'stress_xy', params: { potential: 'hertz', temperature: 0 } }, normalised: { ...T, name: 'stress_xy', params: { potential: 'hertz', temperature: 0 } } },
      { params: { ...T, name: 'msd', params: { reference: 3 } }, normalised: { ...T, name: 'msd', params: { reference: 3 } } },
    ],
    invalid: [
      ...badIds({ name: 'msd' }, 'trajectoryId'),
      [{ ...T }, /"name" must be one of msd, msd_com, energy/], [{ ...T, name: 'MSD' }, /"name" must be one of/],
      [{ ...T, name: 'lambda' }, /"name" must be one of/], [{ ...T, name: 3 }, /"name" must be one of/],
      [{ ...T, name: 'energy', params: { potential: 'lj' } }, /"params.potential" must be wca or hertz \(got "lj"\)/],
      [{ ...T, name: 'stress_xx', params: { temperature: -0.1 } }, /"params.temperature" must be a number >= 0 and <= 1000000 \(got -0.1\)/],
      [{ ...T, name: 'stress_xx', params: { temperature: NaN } }, /"params.temperature" must be a number/],
      [{ ...T, name: 'stress_xx', params: [] }, /"params" must be an object/],
      [{ ...T, name: 'msd', params: { potential: 'wca' } }, /"params.potential" does not apply \(it takes "params.reference"\)/],
      [{ ...T, name: 'msd', params: { reference: 1.5 } }, /"params.reference" must be an integer >= 0/],
      [{ ...T, name: 'msd', reference: 3 }, /unexpected parameter "reference"/],
    ],
  },
  getField: {
    valid: [
      ...FIELD_NAMES.map((name) => ({ params: { ...T, frame: 5, name }, normalised: { ...T, frame: 5, name } })),
      { params: { ...T, frame: 5, ref: 0, name: 'd2min', params: { cutoff: 2.5 } }, normalised: { ...T, frame: 5, ref: 0, name: 'd2min', params: { cutoff: 2.5 } } },
      { params: { ...T, frame: 5, name: 'file:c_pe', priority: 'ahead' }, normalised: { ...T, frame: 5, name: 'file:c_pe', priority: 'ahead' } },
      { params: { ...T, frame: 5, name: 'softness', params: { delta: 0.05 }, priority: 'background' } },
    ],
    invalid: [
      ...badIds({ frame: 1, ref: 0, name: 'd2min' }, 'trajectoryId'),
      ...badIds({ ...T, ref: 0, name: 'd2min' }, 'frame'),
      ...badIds({ ...T, frame: 1, name: 'd2min' }, 'ref').filter(([p]) => (p as { ref?: unknown }).ref !== undefined),
      [{ ...T, frame: 1, ref: 0 }, /"name" must be one of displacement, d2min/],
      [{ ...T, frame: 1, ref: 0, name: '__unwrapped' }, /"name" must be one of/],
      [{ ...T, frame: 1, ref: 0, name: 'D2min' }, /"name" must be one of/],
      [{ ...T, frame: 1, ref: 0, name: 'file:' }, /"name" must be one of/],
      [{ ...T, frame: 1, ref: 0, name: 'd2min', params: { cutoff: 0 } }, /"params.cutoff" must be a number > 0/],
      [{ ...T, frame: 1, ref: 0, name: 'd2min', params: { cutoff: -1 } }, /"params.cutoff" must be a number > 0/],
      [{ ...T, frame: 1, ref: 0, name: 'd2min', params: { cutoff: 1e9 } }, /"params.cutoff" must be a number > 0 and <= 10000 \(got 1000000000\)/],
      [{ ...T, frame: 1, ref: 0, name: 'd2min', params: { cutoff: Infinity } }, /"params.cutoff"/],
      [{ ...T, frame: 1, name: 'softness', params: { cutoff: 2 } }, /"params.cutoff" does not apply \(it takes "params.delta", "params.rmin", "params.rmax"\)/],
      [{ ...T, frame: 1, name: 'mobility', params: { cutoff: 2 } }, /"params.cutoff" does not apply \(it takes no parameters\)/],
      [{ ...T, frame: 1, ref: 0, name: 'd2min', cutoff: 2 }, /unexpected parameter "cutoff"/],
      [{ ...T, frame: 1, name: 'd2min', priority: 'urgent' }, /"priority" must be one of visible, ahead, background/],
    ],
  },
  warmFields: {
    valid: [
      { params: { ...T, name: 'd2min' }, normalised: { ...T, name: 'd2min' } },
      {
        params: { ...T, name: 'd2min', reference: { mode: 'lag', lag: 3 }, params: { cutoff: 2 }, around: 7 },
        normalised: { ...T, name: 'd2min', reference: { mode: 'lag', lag: 3 }, params: { cutoff: 2 }, around: 7 },
      },
      { params: { ...T, name: 'displacement', reference: { mode: 'fixed', frame: 0 } } },
    ],
    invalid: [
      ...badIds({ name: 'd2min' }, 'trajectoryId'),
      [{ ...T, name: 'nope' }, /"name" must be one of/],
      [{ ...T, name: 'd2min', reference: { mode: 'fixed' } }, /"reference.frame" is needed with mode "fixed"/],
      [{ ...T, name: 'd2min', reference: { mode: 'lag', lag: 0 } }, /"reference.lag" must be an integer >= 1/],
      [{ ...T, name: 'd2min', reference: { mode: 'ahead' } }, /"reference.mode" must be one of previous, fixed, lag/],
      [{ ...T, name: 'd2min', reference: 'previous' }, /"reference" must be an object/],
      [{ ...T, name: 'd2min', params: { delta: 1 } }, /"params.delta" does not apply/],
      [{ ...T, name: 'd2min', frame: 3 }, /unexpected parameter "frame"/],
    ],
  },
  detect: {
    valid: [{ params: { ...T }, normalised: { ...T } }],
    invalid: [...badIds({}, 'trajectoryId'), [{ ...T, minScore: 2 }, /unexpected parameter "minScore"/]],
  },
  listTags: {
    valid: [{ params: { ...T }, normalised: { ...T } }],
    invalid: [...badIds({}, 'trajectoryId'), [{ ...T, frame: 1 }, /unexpected parameter "frame"/]],
  },
  addTag: {
    valid: [
      { params: { ...T, frame: 3, kind: 'avalanche' }, normalised: { ...T, frame: 3, kind: 'avalanche' } },
      ...(['uncertain', 'not-avalanche', 'candidate'] as const).map((kind) => ({ params: { ...T, frame: 3, kind, note: 'n' }, normalised: { ...T, frame: 3, kind, note: 'n' } })),
      { params: { ...T, frame: 3, kind: 'avalanche', note: long(API_LIMITS.noteLength) } },
    ],
    invalid: [
      ...badIds({ frame: 1, kind: 'avalanche' }, 'trajectoryId'), ...badIds({ ...T, kind: 'avalanche' }, 'frame'),
      [{ ...T, frame: 1 }, /"kind" must be one of avalanche, uncertain, not-avalanche, candidate/],
      [{ ...T, frame: 1, kind: 'Avalanche' }, /"kind" must be one of/],
      [{ ...T, frame: 1, kind: 'avalanche', note: 5 }, /"note" must be a string of at most 10000 characters/],
      [{ ...T, frame: 1, kind: 'avalanche', note: long(API_LIMITS.noteLength + 1) }, /"note" must be a string of at most/],
      [{ ...T, frame: 1, kind: 'avalanche', source: 'detector' }, /unexpected parameter "source"/],
      [{ ...T, frame: 1, kind: 'avalanche', score: 2 }, /unexpected parameter "score"/],
    ],
  },
  updateTag: {
    valid: [
      { params: { ...T, tagId: 4, kind: 'not-avalanche' }, normalised: { ...T, tagId: 4, kind: 'not-avalanche' } },
      { params: { ...T, tagId: 4, note: '' }, normalised: { ...T, tagId: 4, note: '' } },
      { params: { ...T, tagId: 4, kind: 'avalanche', note: 'x' }, normalised: { ...T, tagId: 4, kind: 'avalanche', note: 'x' } },
    ],
    invalid: [
      ...badIds({ tagId: 1, kind: 'avalanche' }, 'trajectoryId'), ...badIds({ ...T, kind: 'avalanche' }, 'tagId'),
      [{ ...T, tagId: 1 }, /give "kind", "note" or both/],
      [{ ...T, tagId: 1, kind: 'maybe' }, /"kind" must be one of/],
      [{ ...T, tagId: 1, note: null }, /"note" must be a string/],
      [{ ...T, tagId: 1, note: long(API_LIMITS.noteLength + 1) }, /"note" must be a string of at most/],
      [{ ...T, tagId: 1, frame: 3, kind: 'avalanche' }, /unexpected parameter "frame"/],
    ],
  },
  deleteTag: {
    valid: [{ params: { ...T, tagId: 0 }, normalised: { ...T, tagId: 0 } }],
    invalid: [...badIds({ tagId: 1 }, 'trajectoryId'), ...badIds({ ...T }, 'tagId'), [{ ...T, tagId: 1, all: true }, /unexpected parameter "all"/]],
  },
  exportTags: {
    valid: [{ params: { ...T, format: 'csv' }, normalised: { ...T, format: 'csv' } }, { params: { ...T, format: 'json' } }],
    invalid: [
      ...badIds({ format: 'csv' }, 'trajectoryId'),
      [{ ...T }, /"format" must be one of csv, json/], [{ ...T, format: 'CSV' }, /"format" must be one of csv, json/],
      [{ ...T, format: 'xml' }, /"format" must be one of/], [{ ...T, format: 'csv', path: '/tmp/x.csv' }, /unexpected parameter "path"/],
    ],
  },
  importTags: {
    valid: [
      { params: { ...T, format: 'csv', text: 'frame,kind\n1,avalanche\n' }, normalised: { ...T, format: 'csv', text: 'frame,kind\n1,avalanche\n' } },
      { params: { ...T, format: 'json', text: '' } },
    ],
    invalid: [
      ...badIds({ format: 'csv', text: '' }, 'trajectoryId'),
      [{ ...T, text: '' }, /"format" must be one of csv, json/],
      [{ ...T, format: 'csv' }, /"text" must be the file's text/],
      [{ ...T, format: 'csv', text: 42 }, /"text" must be the file's text/],
      [{ ...T, format: 'csv', text: long(API_LIMITS.importTextLength + 1) }, /at most 8388608 characters/],
      [{ ...T, format: 'csv', text: '', file: '/x.csv' }, /unexpected parameter "file"/],
    ],
  },
  saveSession: {
    valid: [
      { params: { lastFile: null, frame: 0, field: 'displacement', layout: {} }, normalised: { lastFile: null, frame: 0, field: 'displacement', layout: {} } },
      { params: { lastFile: '/runs/a.gsd', frame: 12, field: '', layout: { d: 2, panes: [0.3, 0.4], map: 'viridis', log: false, nested: { a: null } } } },
    ],
    invalid: [
      [{ frame: 0, field: 'd2min', layout: {} }, badPath],
      [{ lastFile: 'a.gsd', frame: 0, field: 'd2min', layout: {} }, notAbsolute],
      [{ lastFile: null, frame: -2, field: 'd2min', layout: {} }, /"frame" must be a non-negative integer/],
      [{ lastFile: null, frame: 0, field: 'temperature', layout: {} }, /"field" must be one of displacement/],
      [{ lastFile: null, frame: 0, layout: {} }, /"field" must be one of/],
      [{ lastFile: null, frame: 0, field: 'd2min' }, /"layout" must be a plain object/],
      [{ lastFile: null, frame: 0, field: 'd2min', layout: [1] }, /"layout" must be a plain object/],
      [{ lastFile: null, frame: 0, field: 'd2min', layout: { x: NaN } }, /"layout"\.x must be a finite number/],
      [{ lastFile: null, frame: 0, field: 'd2min', layout: { a: new Float64Array(3) } }, /"layout"\.a must be JSON data/],
      [{ lastFile: null, frame: 0, field: 'd2min', layout: { big: long(API_LIMITS.layoutJsonLength) } }, /larger than 65536 characters/],
      [{ lastFile: null, frame: 0, field: 'd2min', layout: JSON.parse('{"a":'.repeat(20) + '1' + '}'.repeat(20)) as unknown }, /nested deeper than 16 levels/],
      [{ lastFile: null, frame: 0, field: 'd2min', layout: {}, token: 'x' }, /unexpected parameter "token"/],
    ],
  },
  startSimulation: {
    valid: [
      { params: { kind: 'thermal', params: {} }, normalised: { kind: 'thermal', params: {} } },
      { params: { kind: 'aqs', params: { n: 64, seed: 1, steps: 100, deps: 1e-4 }, out: '/runs/aqs.gsd' }, normalised: { kind: 'aqs', params: { n: 64, seed: 1, steps: 100, deps: 1e-4 }, out: '/runs/aqs.gsd' } },
      { params: { kind: 'thermal', params: { n: 1000, rho: 0.9, T: 0.4, Tp: 0.5, equil: 1e5, tw: 0, B: 20000, ncfg: 15, blocks: 4, dt: 0.003, seed: 7, is: true } } },
    ],
    invalid: [
      [{ params: {} }, /"kind" must be one of thermal, aqs/],
      [{ kind: 'nve', params: {} }, /"kind" must be one of thermal, aqs/],
      [{ kind: 'thermal', params: [] }, /"params" must be an object/],
      [{ kind: 'thermal', params: { steps: 10 } }, /unknown thermal parameter "steps"; expected n, rho, T/],
      [{ kind: 'aqs', params: { T: 0.1 } }, /unknown aqs parameter "T"; expected n, seed, steps, deps/],
      [{ kind: 'thermal', params: { toString: 1 } }, /unknown thermal parameter "toString"/],
      [{ kind: 'thermal', params: { n: 100.5 } }, /"params.n" must be an integer/],
      [{ kind: 'thermal', params: { n: 1 } }, /"params.n" must be an integer >= 2 and <= 10000000/],
      [{ kind: 'thermal', params: { n: '100' } }, /"params.n" must be an integer >= 2/],
      [{ kind: 'thermal', params: { rho: 0 } }, /"params.rho" must be a number > 0/],
      [{ kind: 'thermal', params: { dt: 2 } }, /"params.dt" must be a number > 0 and <= 1/],
      [{ kind: 'thermal', params: { is: 'yes' } }, /"params.is" must be true or false/],
      [{ kind: 'aqs', params: { deps: 0 } }, /"params.deps" must be a number > 0/],
      [{ kind: 'aqs', params: {}, out: 'run.gsd' }, notAbsolute],
      [{ kind: 'aqs', params: {}, out: '' }, badPath],
      [{ kind: 'aqs', params: {}, resume: true }, /unexpected parameter "resume"/],
    ],
  },
  cancelJob: {
    valid: [{ params: { jobId: 3 }, normalised: { jobId: 3 } }],
    invalid: [...badIds({}, 'jobId'), [{ jobId: 1, force: true }, /unexpected parameter "force"/]],
  },
  previewFigure: {
    valid: [
      { params: { ...T, spec: SPEC }, normalised: { ...T, spec: SPEC } },
      { params: { ...T, spec: FULL_SPEC }, normalised: { ...T, spec: FULL_SPEC } },
      // Values are the engine's to check (normalizeSpec in the service): a wrong value passes the shape check.
      { params: { ...T, spec: { ...SPEC, style: { fontFamily: 'comic' } } } },
    ],
    invalid: [
      ...badIds({ spec: SPEC }, 'trajectoryId'), ...badSpecs({ ...T }),
      [{ ...T, spec: SPEC, out: '/tmp/fig.pdf' }, /unexpected parameter "out"/],
    ],
  },
  exportFigure: {
    valid: [
      { params: { ...T, spec: SPEC, out: '/tmp/fig.pdf' }, normalised: { ...T, spec: SPEC, out: '/tmp/fig.pdf' } },
      { params: { ...T, spec: FULL_SPEC, out: '/tmp/Fig 1.TIF', overwrite: true }, normalised: { ...T, spec: FULL_SPEC, out: '/tmp/Fig 1.TIF', overwrite: true } },
      ...['svg', 'png', 'tif', 'tiff'].map((ext) => ({ params: { ...T, spec: SPEC, out: `C:\\figs\\fig.${ext}`, overwrite: false } })),
    ],
    invalid: [
      ...badIds({ spec: SPEC, out: '/tmp/fig.pdf' }, 'trajectoryId'), ...badSpecs({ ...T, out: '/tmp/fig.pdf' }),
      [{ ...T, spec: SPEC }, badPath], [{ ...T, spec: SPEC, out: '' }, badPath], [{ ...T, spec: SPEC, out: 'fig.pdf' }, notAbsolute],
      [{ ...T, spec: SPEC, out: '/tmp/fig.eps' }, /"out" must end in .pdf, .svg, .png, .tif, .tiff/],
      [{ ...T, spec: SPEC, out: '/tmp/fig' }, /"out" must end in/], [{ ...T, spec: SPEC, out: '/tmp/pdf' }, /"out" must end in/],
      [{ ...T, spec: SPEC, out: '/tmp/fig.pdf', overwrite: 'yes' }, /"overwrite" must be true or false/],
      [{ ...T, spec: SPEC, out: '/tmp/fig.pdf', format: 'pdf' }, /unexpected parameter "format"/],
    ],
  },
  trainSoftness: {
    valid: [
      { params: { ...TRAIN }, normalised: { ...TRAIN } },
      {
        params: { ...TRAIN, labels: 'quantile', positiveQuantile: 0.8, negativeQuantile: 0.3, cutoff: 2.5, r0: 0, dr: 0.2, count: 10, width: 0.2, species: 'type', C: 0.5, hyperplanes: 8, seed: -3, overwrite: true },
      },
      { params: { ...TRAIN, labels: 'threshold', dSoft: [0.0025, 0.0015], dHard: [0.001, 0.0005] }, normalised: { ...TRAIN, labels: 'threshold', dSoft: [0.0025, 0.0015], dHard: [0.001, 0.0005] } },
      { params: { ...TRAIN, labels: 'threshold', dHard: [0.001, 0.001], out: 'C:\\models\\m.JSON' } },
    ],
    invalid: [
      ...badIds({ frame: 5, ref: 4, out: '/tmp/m.json' }, 'trajectoryId'), ...badIds({ ...T, ref: 4, out: '/tmp/m.json' }, 'frame'),
      ...badIds({ ...T, frame: 5, out: '/tmp/m.json' }, 'ref'),
      [{ ...TRAIN, ref: 5 }, /"frame" must differ from "ref"/],
      [{ ...T, frame: 5, ref: 4 }, badPath], [{ ...TRAIN, out: 'm.json' }, notAbsolute], [{ ...TRAIN, out: '/tmp/m.txt' }, /"out" must end in .json/],
      [{ ...TRAIN, labels: 'svm' }, /"labels" must be one of quantile, threshold/],
      [{ ...TRAIN, labels: 'threshold' }, /"dHard" is needed with labels "threshold"/],
      [{ ...TRAIN, dHard: [0.001, 0.001] }, /"dSoft" applies only with labels "threshold"/],
      [{ ...TRAIN, labels: 'threshold', dHard: [0.001, 0.001], positiveQuantile: 0.9 }, /"positiveQuantile" applies only with labels "quantile"/],
      [{ ...TRAIN, positiveQuantile: 0.4 }, /"negativeQuantile" must be below "positiveQuantile"/],
      [{ ...TRAIN, positiveQuantile: 1 }, /"positiveQuantile" must be a number between 0 and 1/],
      [{ ...TRAIN, labels: 'threshold', dHard: [0.001] }, /"dHard" must be \[small, large\]/],
      [{ ...TRAIN, labels: 'threshold', dHard: [0.001, -1] }, /"dHard" must be \[small, large\]/],
      [{ ...TRAIN, labels: 'threshold', dHard: 0.001 }, /"dHard" must be \[small, large\]/],
      [{ ...TRAIN, count: 0 }, /"count" must be an integer from 1 to 1000/], [{ ...TRAIN, count: 2.5 }, /"count" must be an integer/],
      [{ ...TRAIN, hyperplanes: 1001 }, /"hyperplanes" must be an integer from 1 to 1000/],
      [{ ...TRAIN, C: 0 }, /"C" must be a positive number/], [{ ...TRAIN, dr: -0.1 }, /"dr" must be a positive number/],
      [{ ...TRAIN, r0: -1 }, /"r0" must be a number >= 0/], [{ ...TRAIN, width: '0.1' }, /"width" must be a positive number/],
      [{ ...TRAIN, cutoff: NaN }, /"cutoff" must be a positive number/], [{ ...TRAIN, seed: 0.5 }, /"seed" must be an integer/],
      [{ ...TRAIN, species: 'size' }, /"species" must be one of none, type/],
      [{ ...TRAIN, overwrite: 1 }, /"overwrite" must be true or false/], [{ ...TRAIN, model: '/tmp/x.json' }, /unexpected parameter "model"/],
    ],
  },
  loadSoftnessModel: {
    valid: [{ params: { path: '/tmp/m.json' }, normalised: { path: '/tmp/m.json' } }, { params: { path: 'D:\\m.json' } }],
    invalid: [
      [{}, badPath], [{ path: '' }, badPath], [{ path: 'm.json' }, notAbsolute], [{ path: `/${long(5000)}` }, badPath], [{ path: '/a\0b' }, badPath],
      [{ path: '/tmp/m.json', trajectoryId: 1 }, /unexpected parameter "trajectoryId"/],
    ],
  },
  openStudy: {
    valid: [{ params: { path: '/runs/glass.json' }, normalised: { path: '/runs/glass.json' } }, { params: { path: 'C:\\runs\\glass.json' } }],
    invalid: [
      [{}, badPath], [{ path: '' }, badPath], [{ path: 'glass.json' }, notAbsolute], [{ path: 3 }, badPath],
      [{ path: '/' + long(API_LIMITS.pathLength) }, /"path"/], [{ path: '/runs/glass.json', scheduler: 'local' }, /unexpected parameter "scheduler"/],
    ],
  },
  studyStatus: {
    valid: [{ params: S, normalised: S }],
    invalid: [...badIds({}, 'studyId'), [{ ...S, squeue: true }, /unexpected parameter "squeue"/]],
  },
  runStudy: {
    valid: [
      { params: { ...S, scheduler: 'local' }, normalised: { ...S, scheduler: 'local' } },
      { params: { ...S, scheduler: 'local', maxParallel: 2, runs: [0, 3], failedOnly: true }, normalised: { ...S, scheduler: 'local', maxParallel: 2, runs: [0, 3], failedOnly: true } },
      { params: { ...S, scheduler: 'slurm', sbatchArgs: ['--partition=short', '--time=01:00:00', '--hold', '--mail-user=a.b@c.org'] } },
    ],
    invalid: [
      ...badIds({ scheduler: 'local' }, 'studyId'),
      [{ ...S }, /"scheduler" must be one of local, slurm/], [{ ...S, scheduler: 'pbs' }, /"scheduler" must be one of local, slurm/],
      [{ ...S, scheduler: 'local', maxParallel: 0 }, /"maxParallel" must be an integer from 1 to 1024/],
      [{ ...S, scheduler: 'local', maxParallel: 1.5 }, /"maxParallel" must be an integer/],
      [{ ...S, scheduler: 'slurm', maxParallel: 2 }, /"maxParallel" applies to the local scheduler/],
      [{ ...S, scheduler: 'local', sbatchArgs: ['--hold'] }, /"sbatchArgs" applies to the slurm scheduler/],
      [{ ...S, scheduler: 'local', runs: [] }, /"runs" must be a list of run numbers/],
      [{ ...S, scheduler: 'local', runs: [-1] }, /"runs\[0\]" must be a non-negative integer/],
      [{ ...S, scheduler: 'local', runs: '0-3' }, /"runs" must be a list of run numbers/],
      [{ ...S, scheduler: 'local', failedOnly: 'yes' }, /"failedOnly" must be true or false/],
      [{ ...S, scheduler: 'slurm', sbatchArgs: ['--wrap=rm -rf /'] }, /"sbatchArgs\[0\]" must be an sbatch option/],
      [{ ...S, scheduler: 'slurm', sbatchArgs: ['--partition=short;reboot'] }, /"sbatchArgs\[0\]" must be an sbatch option/],
      [{ ...S, scheduler: 'slurm', sbatchArgs: ['--export=ALL'] }, /"sbatchArgs\[0\]" must be an sbatch option/],
      [{ ...S, scheduler: 'slurm', sbatchArgs: Array.from({ length: 33 }, () => '--hold') }, /"sbatchArgs" must be a list of sbatch options \(at most 32\)/],
      [{ ...S, scheduler: 'local', avw: '/bin/sh' }, /unexpected parameter "avw"/],
    ],
  },
  collectStudy: {
    valid: [{ params: S, normalised: S }],
    invalid: [...badIds({}, 'studyId'), [{ ...S, force: true }, /unexpected parameter "force"/]],
  },
  openStudyRun: {
    valid: [{ params: { ...S, runId: 3 }, normalised: { ...S, runId: 3 } }],
    invalid: [...badIds({ runId: 0 }, 'studyId'), ...badIds({ ...S }, 'runId'), [{ ...S, runId: 0, path: '/x.gsd' }, /unexpected parameter "path"/]],
  },
  previewStudyFigure: {
    valid: [
      { params: { ...S, spec: STUDY_SPEC }, normalised: { ...S, spec: STUDY_SPEC } },
      { params: { ...S, spec: FULL_STUDY_SPEC }, normalised: { ...S, spec: FULL_STUDY_SPEC } },
      { params: { ...S, spec: { kind: 'tau', q: 7.1 } } },
    ],
    invalid: [...badIds({ spec: STUDY_SPEC }, 'studyId'), ...badStudySpecs({ ...S })],
  },
  exportStudyFigure: {
    valid: [
      { params: { ...S, spec: STUDY_SPEC, out: '/tmp/tau.pdf' }, normalised: { ...S, spec: STUDY_SPEC, out: '/tmp/tau.pdf' } },
      { params: { ...S, spec: FULL_STUDY_SPEC, out: '/tmp/d.png', overwrite: true } },
    ],
    invalid: [
      ...badIds({ spec: STUDY_SPEC, out: '/tmp/f.pdf' }, 'studyId'), ...badStudySpecs({ ...S, out: '/tmp/f.pdf' }),
      [{ ...S, spec: STUDY_SPEC }, badPath], [{ ...S, spec: STUDY_SPEC, out: 'f.pdf' }, notAbsolute],
      [{ ...S, spec: STUDY_SPEC, out: '/tmp/f.eps' }, /"out" must end in/],
      [{ ...S, spec: STUDY_SPEC, out: '/tmp/f.pdf', overwrite: 1 }, /"overwrite" must be true or false/],
    ],
  },
};

describe('validateRequest', () => {
  it('has a row for every method of the contract', () => {
    expect(Object.keys(TABLE).sort()).toEqual([...API_METHODS].sort());
  });

  it('refuses unknown methods', () => {
    for (const m of ['nope', '', 'constructor', '__proto__', 'toString', 3, null, undefined, ['version']]) {
      expect(() => validateRequest(m, {})).toThrow(/unknown method/);
    }
  });

  for (const method of API_METHODS) {
    const row = TABLE[method];
    it(`${method}: accepts well-formed parameters`, () => {
      for (const v of row.valid) {
        const r = validateRequest(method, v.params);
        expect(r.method).toBe(method);
        if (v.normalised !== undefined) expect(r.params).toEqual(v.normalised);
      }
    });
    it(`${method}: rejects malformed parameters, naming the problem`, () => {
      expect(row.invalid.length).toBeGreaterThan(0);
      for (const [params, message] of row.invalid) {
        let error: unknown = null;
        try {
          validateRequest(method, params);
        } catch (e) {
          error = e;
        }
        expect(error, `${method} ${JSON.stringify(params)?.slice(0, 200)}`).toBeInstanceOf(ApiValidationError);
        expect((error as Error).message, `${method} ${JSON.stringify(params)?.slice(0, 200)}`).toMatch(message);
        expect((error as Error).message.startsWith(method)).toBe(true);
      }
    });
  }

  it('returns copies holding only the known keys (a prototype key in the JSON is refused)', () => {
    const parsed = JSON.parse('{"trajectoryId": 1, "__proto__": {"admin": true}}') as unknown;
    expect(() => validateRequest('listTags', parsed)).toThrow(/unexpected parameter "__proto__"/);
    const layout = { a: 1 };
    const r = validateRequest('saveSession', { lastFile: null, frame: 0, field: 'd2min', layout });
    expect((r.params as { layout: unknown }).layout).not.toBe(layout);
  });
});
