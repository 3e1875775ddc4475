// Every parameter of every API method answers a bad value with its name and its allowed range or values (issue 10,
// correction 7). Table-driven from the declarations: the valibot schemas of api-params.ts are walked for every
// parameter (nested objects too) and each gets bad values made from its declaration (the wrong type, below its minimum,
// above its maximum, not an integer, a word not among its values, a string too long or not of its form); the field and
// series parameters come from the registry (FIELD_PARAMS, SERIES_PARAMS, for every field and series that takes them),
// the simulation parameters from SIMULATION_PARAMS. The one hand table: a valid request of each method (the bad value
// replaces one parameter of it), which must cover every method. Values of a figure spec that the API only types (the
// figure engine checks them, in normalizeSpec) are listed by name, so that a new one is seen.
import { describe, expect, it } from 'vitest';
import * as v from 'valibot';
import { API_METHODS, type ApiMethod } from '../../src/shared/api.js';
import { API_PARAMS } from '../../src/shared/api-params.js';
import { SIMULATION_PARAMS, TAG_KINDS } from '../../src/shared/api-constants.js';
import { validateRequest } from '../../src/shared/api-validate.js';
import { normalizeSpec } from '../../src/core/figures/spec.js';
import {
  FIELD_NAMES, FIELD_PARAMS, SERIES, SERIES_NAMES, SERIES_PARAMS, allowedText, fieldInfo, type ParamInfo,
} from '../../src/shared/fields.js';

/** A valid request of every method; each case changes one parameter of it. */
const VALID: Record<ApiMethod, Record<string, unknown>> = {
  version: {}, openDemo: {}, recentFiles: {}, getSession: {}, listJobs: {},
  openTrajectory: { path: '/data/run.gsd' },
  getFrame: { trajectoryId: 1, frame: 0 },
  getSeries: { trajectoryId: 1, name: 'msd' },
  getField: { trajectoryId: 1, frame: 1, name: 'd2min' },
  warmFields: { trajectoryId: 1, name: 'd2min' },
  detect: { trajectoryId: 1 },
  listTags: { trajectoryId: 1 },
  addTag: { trajectoryId: 1, frame: 0, kind: TAG_KINDS[0] },
  updateTag: { trajectoryId: 1, tagId: 1, kind: TAG_KINDS[0] },
  deleteTag: { trajectoryId: 1, tagId: 1 },
  exportTags: { trajectoryId: 1, format: 'csv' },
  importTags: { trajectoryId: 1, format: 'csv', text: '' },
  saveSession: { lastFile: null, frame: 0, field: '', layout: {} },
  startSimulation: { kind: 'thermal', params: {} },
  cancelJob: { jobId: 1 },
  previewFigure: { trajectoryId: 1, spec: { kind: 'fields', frame: 0 } },
  exportFigure: { trajectoryId: 1, spec: { kind: 'fields', frame: 0 }, out: '/tmp/figure.pdf' },
  trainSoftness: { trajectoryId: 1, frame: 1, ref: 0, out: '/tmp/model.json' },
  loadSoftnessModel: { path: '/tmp/model.json' },
  openStudy: { path: '/data/study.json' },
  studyStatus: { studyId: 1 },
  runStudy: { studyId: 1, scheduler: 'local' },
  collectStudy: { studyId: 1 },
  openStudyRun: { studyId: 1, runId: 0 },
  previewStudyFigure: { studyId: 1, spec: { kind: 'distribution' } },
  exportStudyFigure: { studyId: 1, spec: { kind: 'distribution' }, out: '/tmp/figure.pdf' },
};

/** Valid values of nested objects that a request may leave out, to test their own parameters. */
const NESTED: Record<string, unknown> = {
  reference: { mode: 'fixed', frame: 0 },
  style: {},
  range: { min: 0, max: 1 },
  family: [{ path: '/runs/a.gsd', label: 'a' }],
};

/** Figure spec values the API only types: the figure engine checks them (normalizeSpec, src/core/figures/spec.ts). */
const ENGINE_CHECKED = new Set([
  'spec.version', 'spec.before', 'spec.after', 'spec.field', 'spec.fields', 'spec.vector', 'spec.series', 'spec.potential', 'spec.temperature',
  'spec.marks', 'spec.xAxis', 'spec.coefficient', 'spec.bins', 'spec.family[0].label', 'spec.family[0].frame', 'spec.reference.mode',
  'spec.reference.frame', 'spec.reference.lag', 'spec.cutoff', 'spec.params', 'spec.range.min', 'spec.range.max', 'spec.preset', 'spec.dpi',
  ...['width', 'height', 'fontFamily', 'fontSize', 'colormap', 'lineWidth', 'boxOutline', 'scaleBar', 'rasterParticles', 'rasterDpi', 'logX', 'logY', 'arrowScale']
    .map((k) => `spec.style.${k}`),
]);

type Schema = { type: string; kind: string; pipe?: Schema[]; wrapped?: Schema; entries?: Record<string, Schema>; item?: Schema; options?: readonly string[]; requirement?: unknown };

/** The schema itself without optional/nullable wrappers. */
function unwrap(s: Schema): Schema {
  let x = s;
  while ((x.type === 'optional' || x.type === 'nullable' || x.type === 'nullish') && x.wrapped) x = x.wrapped;
  return x;
}

/** The parts of a schema and its pipe (depth first), to find its object, its bounds and its kind. */
function parts(s: Schema): Schema[] {
  const out: Schema[] = [s];
  for (const p of s.pipe ?? []) if (p !== s) out.push(...parts(p));
  return out;
}

function objectOf(s: Schema): Schema | undefined {
  return parts(unwrap(s)).find((p) => p.type === 'strict_object' || p.type === 'object');
}

interface Case { method: ApiMethod; place: string; params: Record<string, unknown>; expect: (string | RegExp)[] }

const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A copy of `base` with the value at `path` replaced. */
function withValue(base: Record<string, unknown>, path: (string | number)[], value: unknown): Record<string, unknown> {
  const copy = structuredClone(base) as Record<string, unknown>;
  let o: Record<string | number, unknown> = copy;
  for (const k of path.slice(0, -1)) o = o[k] as Record<string | number, unknown>;
  o[path[path.length - 1]!] = value;
  return copy;
}

function placeOf(path: (string | number)[]): string {
  return path.map((k, i) => (typeof k === 'number' ? `[${k}]` : i ? `.${k}` : k)).join('');
}

/** Bad values of one declared parameter, from its schema. */
function leafCases(method: ApiMethod, base: Record<string, unknown>, path: (string | number)[], schema: Schema, skipped: string[]): Case[] {
  const place = placeOf(path);
  const named = `"${place}"`;
  const s = unwrap(schema);
  const all = parts(s);
  const kind = s.type;
  const cases: Case[] = [];
  const add = (value: unknown, ...expectParts: (string | RegExp)[]): void => {
    cases.push({ method, place, params: withValue(base, path, value), expect: [named, /must|is set by|is needed/, ...expectParts] });
  };
  if (kind === 'number') {
    const min = all.find((p) => p.type === 'min_value')?.requirement as number | undefined;
    const max = all.find((p) => p.type === 'max_value')?.requirement as number | undefined;
    const bounds = [min, max].filter((b) => b !== undefined).map(String);
    add('7', ...bounds);
    if (min !== undefined) add(min - 1, ...bounds);
    if (max !== undefined) add(max + 1, ...bounds);
    if (all.some((p) => p.type === 'integer')) add((min ?? 0) + 0.5, /integer/, ...bounds);
    if (min === undefined && max === undefined) {
      // A range in a check (no bounds as data): the values it refuses must be answered as a value of the wrong type is,
      // with the phrase that states the range.
      // (A refusal naming another parameter is a rule between the two, not this one's range.)
      const typeMessage = refusal(method, withValue(base, path, '7'))!.replace(/^.*?: /, '');
      for (const x of [-1e12, -1, 0, 0.5, 1e12]) {
        const m = refusal(method, withValue(base, path, x));
        if (m !== null && m.replace(/^.*?: /, '').startsWith(named)) cases.push({ method, place, params: withValue(base, path, x), expect: [typeMessage] });
      }
    }
  } else if (kind === 'string') {
    const maxLength = all.find((p) => p.type === 'max_length')?.requirement as number | undefined;
    add(7);
    if (maxLength !== undefined) add('/'.padEnd(maxLength + 1, 'x'), String(maxLength));
    if (all.some((p) => p.type === 'regex' || p.type === 'check')) add('%%%');
  } else if (kind === 'picklist') {
    add('no-such-value', ...s.options!);
  } else if (kind === 'boolean') {
    add('yes', /true or false|a boolean/);
  } else if (kind === 'literal') {
    add(2);
  } else if (kind === 'undefined') {
    add('/somewhere');
  } else if (kind === 'array') {
    add('x', /list|\[small, large\]/);
  } else if (kind === 'custom') {
    // A custom check: registry parameters and layouts (objects), or a value the figure engine checks.
    const probe = v.safeParse(schema as unknown as v.GenericSchema, 'x');
    if (probe.success) skipped.push(place);
    else add('x', /object/);
  } else {
    throw new Error(`${method} ${place}: a parameter of kind ${kind} the test does not know`);
  }
  return cases;
}

/** The message validateRequest gives, or null when it accepts the request. */
function refusal(method: ApiMethod, params: Record<string, unknown>): string | null {
  try {
    validateRequest(method, params);
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}

/** Every parameter of an object schema (and of the objects inside it) with its bad values. */
function objectCases(method: ApiMethod, base: Record<string, unknown>, path: (string | number)[], object: Schema, skipped: string[]): Case[] {
  const cases: Case[] = [];
  for (const [key, entry] of Object.entries(object.entries ?? {})) {
    const here = [...path, key];
    const inner = objectOf(entry);
    const u = unwrap(entry);
    if (u.type === 'array' && u.item && objectOf(u.item)) {
      // A list of objects: the list itself, then the parameters of its first member.
      const has = here.reduce<unknown>((o, k) => (o as Record<string | number, unknown> | undefined)?.[k], base) !== undefined;
      const withList = has ? base : withValue(base, here, NESTED[key]);
      cases.push(...leafCases(method, base, here, entry, skipped));
      cases.push(...objectCases(method, withList, [...here, 0], objectOf(u.item)!, skipped));
    } else if (inner) {
      const has = here.reduce<unknown>((o, k) => (o as Record<string | number, unknown> | undefined)?.[k], base) !== undefined;
      const withObject = has ? base : NESTED[key] !== undefined ? withValue(base, here, NESTED[key]) : undefined;
      if (!withObject) throw new Error(`${method} ${placeOf(here)}: give a valid value in NESTED`);
      cases.push(...leafCases(method, base, here, entry, skipped));
      cases.push(...objectCases(method, withObject, here, inner, skipped));
    } else {
      cases.push(...leafCases(method, base, here, entry, skipped));
    }
  }
  return cases;
}

/** Bad values of a registry parameter, with the phrase of its allowed values. */
function registryBadValues(p: ParamInfo): unknown[] {
  if (p.type === 'enum') return ['no-such-value', 3];
  if (p.type === 'path') return ['', 3];
  if (p.type === 'boolean') return ['yes', 1];
  const values: unknown[] = [p.minExclusive ? p.min : p.min - 1, p.max + Math.max(1, Math.abs(p.max)), 'abc', NaN];
  if (p.type === 'int') values.push(p.min + 0.5);
  return values;
}

function expectRefused(c: Case): void {
  const what = `${c.method} ${JSON.stringify(c.params).slice(0, 160)}`;
  let message = '';
  try {
    validateRequest(c.method, c.params);
  } catch (e) {
    message = (e as Error).message;
  }
  expect(message, `${what}: accepted`).not.toBe('');
  expect(message, what).toMatch(new RegExp(`^${esc(c.method)}: `));
  expect(message.includes('\n'), what).toBe(false);
  for (const part of c.expect) expect(message, what).toMatch(typeof part === 'string' ? new RegExp(esc(part)) : part);
}

const counts = { parameters: new Set<string>(), cases: 0 };

describe('every API parameter answers a bad value with its name and range', () => {
  it('has a valid request of every method, and each is accepted', () => {
    expect(Object.keys(VALID).sort()).toEqual([...API_METHODS].sort());
    for (const m of API_METHODS) expect(() => validateRequest(m, VALID[m]), m).not.toThrow();
  });

  const skipped: string[] = [];
  for (const method of API_METHODS) {
    it(method, () => {
      const object = objectOf(API_PARAMS[method] as unknown as Schema);
      expect(object, `${method}: no object of parameters`).toBeDefined();
      const cases = objectCases(method, VALID[method], [], object!, skipped);
      for (const c of cases) {
        expectRefused(c);
        counts.parameters.add(`${c.method} ${c.place}`);
      }
      counts.cases += cases.length;
    });
  }

  it('leaves only the figure spec values the figure engine checks to the engine', () => {
    expect(new Set(skipped)).toEqual(ENGINE_CHECKED);
  });

  it('the figure engine answers a bad value of each spec value it checks with its key and range', () => {
    // A hand table: the engine declares these ranges in code (normalizeSpec), not as data. Every key the API leaves to
    // the engine has a row, so a new one must come here too.
    const rows: Record<string, [bad: unknown, message: RegExp][]> = {
      'spec.version': [[2, /unsupported version 2 \(this software writes 1\)/]],
      'spec.before': [[-1, /"before" must be an integer >= 0 \(got -1\)/], [9, /"before" \(9\) is after "frame" \(5\)/]],
      'spec.after': [[1.5, /"after" must be an integer >= 0 \(got 1.5\)/], [2, /"after" \(2\) is before "frame" \(5\)/]],
      'spec.field': [['nope', /"field" must be one of displacement, d2min, .* or file:PROPERTY \(got "nope"\)/]],
      'spec.fields': [[[], /"fields" must list 1 to 12 fields/], [['nope'], /"fields\[0\]" must be one of displacement, d2min/]],
      'spec.vector': [['d2min', /"vector" must be a vector field: one of .*, or file:velocity \(got "d2min"\)/]],
      'spec.series': [[['nope'], /"series\[0\]" must be one of msd, /], [[], /"series" must list 1 to 8 series/]],
      'spec.potential': [['lj', /"potential" must be wca or hertz/]],
      'spec.temperature': [[-1, /"temperature" must be a number >= 0 \(got -1\)/]],
      'spec.marks': [['x', /"marks" must be a list of frames/], [[-1], /"marks\[0\]" must be an integer >= 0/]],
      'spec.xAxis': [['step', /"xAxis" must be "frame" or "time"/]],
      'spec.coefficient': [['kendall', /"coefficient" must be pearson, spearman or both/]],
      'spec.bins': [[1, /"bins" must be an integer >= 2 and <= 1000 \(got 1\)/], [1001, /"bins" must be an integer >= 2 and <= 1000 \(got 1001\)/]],
      'spec.family[0].label': [[3, /"family\[0\].label" must be text/]],
      'spec.family[0].frame': [[-1, /"family\[0\].frame" must be an integer >= 0/]],
      'spec.reference.mode': [['next', /"reference.mode" must be previous, fixed or lag/]],
      'spec.reference.frame': [[-1, /"reference.frame" must be an integer >= 0/]],
      'spec.reference.lag': [[0, /"reference.lag" must be an integer >= 1 \(got 0\)/]],
      'spec.cutoff': [[0, /"cutoff" must be a number > 0 and <= 10000 \(got 0\)/], [1e5, /"cutoff" must be a number > 0 and <= 10000/]],
      'spec.params': [['x', /"params" must be an object of field and series parameters/], [{ cutoff: -1 }, /"params.cutoff" must be a number > 0 and <= 10000/]],
      'spec.range.min': [['x', /"range.min" must be a number \(got "x"\)/]],
      'spec.range.max': [[-1, /"range" needs min < max/]],
      'spec.preset': [['a4', /"preset" must be one of aps-single, aps-double/]],
      'spec.dpi': [[71, /"dpi" must be an integer >= 72 and <= 2400 \(got 71\)/], [2401, /"dpi" must be an integer >= 72 and <= 2400/]],
      'spec.style.width': [['wide', /style.width: "wide" is not a length \(examples: 7in, 8.6cm, 86mm, 240pt\)/], ['200in', /style.width: "200in" is outside 0..100 in/]],
      'spec.style.height': [['0cm', /style.height: "0cm" is outside 0..100 in/]],
      'spec.style.fontFamily': [['mono', /"style.fontFamily" must be sans or serif/]],
      'spec.style.fontSize': [[3, /"style.fontSize" must be a number >= 4 and <= 36 \(got 3\)/], [37, /"style.fontSize" must be a number >= 4 and <= 36/]],
      'spec.style.colormap': [['jet', /"style.colormap" must be viridis, cividis or magma/]],
      'spec.style.lineWidth': [[0, /"style.lineWidth" must be a number >= 0.1 \(got 0\)/]],
      'spec.style.boxOutline': [['yes', /"style.boxOutline" must be true or false/]],
      'spec.style.scaleBar': [[1, /"style.scaleBar" must be true or false/]],
      'spec.style.rasterParticles': [['no', /"style.rasterParticles" must be true or false/]],
      'spec.style.rasterDpi': [[10, /"style.rasterDpi" must be an integer >= 72 \(got 10\)/]],
      'spec.style.logX': [[0, /"style.logX" must be true or false/]],
      'spec.style.logY': [['true', /"style.logY" must be true or false/]],
      'spec.style.arrowScale': [[-1, /"style.arrowScale" must be a number >= 0 \(got -1\)/]],
    };
    expect(new Set(Object.keys(rows))).toEqual(ENGINE_CHECKED);
    const base = { kind: 'fields', trajectory: '/runs/a.gsd', frame: 5, family: [{ path: '/runs/b.gsd', label: 'b' }], reference: { mode: 'previous' }, range: { min: 0, max: 1 }, style: {} };
    for (const [place, cases] of Object.entries(rows)) {
      const path = place.slice('spec.'.length).split(/\.|\[(\d+)\]\.?/).filter((k) => k !== undefined && k !== '').map((k) => (/^\d+$/.test(k) ? Number(k) : k));
      for (const [bad, message] of cases) {
        const spec = withValue(base, path, bad);
        expect(() => normalizeSpec(spec), `${place} = ${JSON.stringify(bad)}`).toThrow(message);
        counts.parameters.add(`figure spec ${place}`);
        counts.cases++;
      }
    }
  });

  it('field parameters of getField and warmFields, for every field that takes them', () => {
    for (const method of ['getField', 'warmFields'] as const) {
      for (const name of FIELD_NAMES) {
        for (const k of fieldInfo(name).params) {
          const p = (FIELD_PARAMS as Record<string, ParamInfo>)[k]!;
          for (const bad of registryBadValues(p)) {
            const params = { ...VALID[method], name, params: { [k]: bad } };
            expectRefused({ method, place: `params.${k}`, params, expect: [`"params.${k}" must be ${allowedText(p)}`] });
            counts.parameters.add(`${method} params.${k} (${name})`);
            counts.cases++;
          }
        }
      }
    }
  });

  it('series parameters of getSeries, for every series that takes them', () => {
    for (const name of SERIES_NAMES) {
      for (const k of SERIES[name].params) {
        const p = (SERIES_PARAMS as Record<string, ParamInfo>)[k]!;
        for (const bad of registryBadValues(p)) {
          expectRefused({ method: 'getSeries', place: `params.${k}`, params: { ...VALID.getSeries, name, params: { [k]: bad } }, expect: [`"params.${k}" must be ${allowedText(p)}`] });
          counts.parameters.add(`getSeries params.${k} (${name})`);
          counts.cases++;
        }
      }
    }
  });

  it('simulation parameters of startSimulation, for every kind', () => {
    for (const [kind, specs] of Object.entries(SIMULATION_PARAMS)) {
      for (const [k, spec] of Object.entries(specs)) {
        const bad: unknown[] = spec.type === 'boolean'
          ? ['yes', 1]
          : [spec.minExclusive ? spec.min : spec.min - 1, spec.max + Math.max(1, spec.max), 'abc', ...(spec.type === 'int' ? [spec.min + 0.5] : [])];
        const phrase = spec.type === 'boolean' ? 'true or false'
          : `must be ${spec.type === 'int' ? 'an integer' : 'a number'} ${spec.minExclusive ? '>' : '>='} ${spec.min} and <= ${spec.max}`;
        for (const x of bad) {
          expectRefused({ method: 'startSimulation', place: `params.${k}`, params: { kind, params: { [k]: x } }, expect: [`"params.${k}"`, phrase] });
          counts.parameters.add(`startSimulation params.${k} (${kind})`);
          counts.cases++;
        }
      }
    }
  });

  it('counts', () => {
    // For the report: how many (method, parameter) pairs and bad values the tables covered.
    process.stdout.write(`api-param-errors: ${counts.parameters.size} (method, parameter) pairs, ${counts.cases} bad values\n`);
    if (process.env.AVW_LIST_CASES) process.stdout.write(`${[...counts.parameters].join('\n')}\n`);
    expect(counts.cases).toBeGreaterThan(0);
  });
});
