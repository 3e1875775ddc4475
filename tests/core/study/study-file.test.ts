// The study file: the example parses; every kind of mistake is refused in one line that names the file and
// the key; the planner makes one run per temperature x seed in its own folder with a deterministic seed.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compactRanges, parseRunSelection, planStudy, runSeedOf } from '../../../src/core/study/plan.js';
import { loadStudy, parseStudy, simulateParamsOf } from '../../../src/core/study/study-file.js';

const work = mkdtempSync(join(tmpdir(), 'avw-studyfile-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const EXAMPLE = {
  name: 'glass', simulate: 'thermal',
  parameters: { n: 2000, rho: 0.9, Tp: 0.5, equil: 100000, tw: 300000, B: 1050000, ncfg: 21, blocks: 4, is: true },
  temperatures: [0.2, 0.25, 0.3], seeds: [1, 2, 3], analyses: ['msd', 'detect'],
};
const file = join(work, 'glass.json');

function parse(patch: Record<string, unknown>): ReturnType<typeof parseStudy> {
  const raw: Record<string, unknown> = { ...EXAMPLE, ...patch };
  for (const [k, v] of Object.entries(patch)) if (v === undefined) delete raw[k];
  return parseStudy(raw, file);
}

describe('study file', () => {
  it("parses the issue's example", () => {
    writeFileSync(file, JSON.stringify(EXAMPLE));
    const s = loadStudy(file);
    expect(s.name).toBe('glass');
    expect(s.temperatures).toEqual([0.2, 0.25, 0.3]);
    expect(s.seeds).toEqual([1, 2, 3]);
    expect(s.analyses).toEqual([{ kind: 'series', name: 'msd' }, { kind: 'detect' }]);
    const p = simulateParamsOf(s, 0.25, 7, join(work, 'x.gsd'));
    expect(p.kind).toBe('thermal');
    if (p.kind !== 'thermal') return;
    expect(p.T).toBe(0.25);
    expect(p.seed).toBe(7);
    expect(p.inherentStructures).toBe(true);
    expect(p.schedule).toEqual({ kind: 'log-block', B: 1050000, nCfg: 21, blocks: 4, blockOrigins: true });
    expect(p.start).toEqual({ kind: 'random', n: 2000, density: 0.9, polydispersity: 0.11 });
  });

  it('takes "replicas" for seeds 1..K and analysis objects', () => {
    const s = parse({ seeds: undefined, replicas: 4, analyses: ['msd', 'detect', { fs: { q: 7 } }, { fields: ['d2min', 'softness'] }, 'is'] });
    expect(s.seeds).toEqual([1, 2, 3, 4]);
    expect(s.analyses).toEqual([
      { kind: 'series', name: 'msd' }, { kind: 'detect' }, { kind: 'fs', q: 7 }, { kind: 'fields', names: ['d2min', 'softness'] }, { kind: 'is' },
    ]);
  });

  const refusals: [string, Record<string, unknown>, RegExp][] = [
    ['an unknown top-level key', { temperature: [0.2] }, /glass\.json: unknown key "temperature" \(known: name, simulate/],
    ['an unknown simulate option', { parameters: { ...EXAMPLE.parameters, nn: 3 } }, /glass\.json: parameters: unknown option "nn"/],
    ['an option the study sets', { parameters: { ...EXAMPLE.parameters, seed: 3 } }, /glass\.json: parameters: "seed" is set by the seeds/],
    ['a flag given a number', { parameters: { ...EXAMPLE.parameters, is: 1 } }, /parameters: "is" is a flag: true or false/],
    ['an option of another kind', { parameters: { ...EXAMPLE.parameters, deps: 1e-4 } }, /parameters: avw simulate thermal: --deps does not apply to thermal runs/],
    ['a bad value', { parameters: { ...EXAMPLE.parameters, rho: -1 } }, /glass\.json: parameters: avw simulate thermal: --rho must be a number > 0 and <= 100 \(got -1\)/],
    ['a value the simulation refuses', { parameters: { ...EXAMPLE.parameters, B: 4, ncfg: 5 } }, /glass\.json: parameters: avw simulate thermal: --B = 4 must exceed 2\^\(N_cfg-1\)/],
    ['no schedule', { parameters: { n: 100 } }, /parameters: avw simulate thermal: a schedule is required/],
    ['seeds and replicas', { replicas: 3 }, /give "seeds" or "replicas", not both/],
    ['neither', { seeds: undefined }, /give "seeds": \[1, 2, \.\.\.\] or "replicas": K/],
    ['a repeated temperature', { temperatures: [0.2, 0.2] }, /"temperatures" lists 0.2 twice/],
    ['a negative temperature', { temperatures: [-0.2] }, /"temperatures" must be a non-empty list of positive numbers/],
    ['an unknown analysis', { analyses: ['msd', 'magic'] }, /analyses\[1\]: unknown analysis "magic"/],
    ['an unknown key in an analysis', { analyses: [{ fs: { q: 6, k: 1 } }] }, /analyses\[0\]: fs: unknown key "k"/],
    ['fields without detect', { analyses: [{ fields: ['d2min'] }] }, /add "detect"/],
    ['a vector field', { analyses: ['detect', { fields: ['na'] }] }, /"na" is a vector field/],
    ['an unknown slurm key', { slurm: { tim: '1:00:00' } }, /glass\.json: slurm: unknown key "tim" \(known: time, mem/],
    ['a bad slurm time', { slurm: { time: 'an hour' } }, /slurm: "time" must be a SLURM time/],
    ['a bad name', { name: 'my study' }, /"name" must be a short name/],
    ['temperatures for aqs', { simulate: 'aqs', parameters: { n: 100, steps: 10 } }, /"temperatures" does not apply to aqs/],
  ];
  for (const [what, patch, re] of refusals) {
    it(`refuses ${what} with the file and the key`, () => {
      expect(() => parse(patch)).toThrow(re);
    });
  }

  it('names an unreadable or invalid file', () => {
    expect(() => loadStudy(join(work, 'none.json'))).toThrow(/none\.json: cannot read the study file \(no such file\)/);
    writeFileSync(join(work, 'bad.json'), '{"name": ');
    expect(() => loadStudy(join(work, 'bad.json'))).toThrow(/bad\.json: not valid JSON/);
  });
});

describe('planner', () => {
  it('makes one run per temperature x seed in its own folder beside the study file, temperature-major', () => {
    const plan = planStudy(parse({}));
    expect(plan.dir).toBe(join(work, 'glass'));
    expect(plan.runs.map((r) => r.name)).toEqual(['T0.2-s1', 'T0.2-s2', 'T0.2-s3', 'T0.25-s1', 'T0.25-s2', 'T0.25-s3', 'T0.3-s1', 'T0.3-s2', 'T0.3-s3']);
    expect(plan.runs.map((r) => r.id)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    const r = plan.runs[4]!;
    expect(r.dir).toBe(join(work, 'glass', 'T0.25-s2'));
    expect(r.out).toBe(join(r.dir, 'run.gsd'));
    expect(r.isOut).toBe(join(r.dir, 'run.is.gsd'));
    expect(r.shard).toBe(join(r.dir, 'index.sqlite'));
    expect(plan.indexDir).toBe(join(work, 'glass', 'index'));
  });

  it('gives every run its own deterministic seed that does not depend on the other runs', () => {
    const plan = planStudy(parse({}));
    const seeds = plan.runs.map((r) => r.runSeed);
    expect(new Set(seeds).size).toBe(seeds.length);
    for (const s of seeds) expect(Number.isInteger(s) && s >= 1 && s < 2 ** 31).toBe(true);
    // Pinned values: the same on every machine and in every version of the planner.
    expect(runSeedOf(0.2, 1)).toBe(runSeedOf(0.2, 1));
    expect([runSeedOf(0.2, 1), runSeedOf(0.25, 3), runSeedOf(null, 1)]).toEqual([149267624, 707104712, 1378072534]);
    const more = planStudy(parse({ temperatures: [0.2, 0.25, 0.3, 0.35], seeds: [1, 2, 3, 4] }));
    const byName = new Map(more.runs.map((x) => [x.name, x.runSeed]));
    for (const x of plan.runs) expect(byName.get(x.name)).toBe(x.runSeed);
  });

  it('parses run selections and writes SLURM array lists', () => {
    const plan = planStudy(parse({}));
    expect(parseRunSelection('1,3-5,8', plan)).toEqual([1, 3, 4, 5, 8]);
    expect(() => parseRunSelection('9', plan)).toThrow(/run 9 does not exist .* plans runs 0-8/);
    expect(() => parseRunSelection('x', plan)).toThrow(/"x" is not a run number/);
    expect(compactRanges([0, 1, 2, 5, 7, 8])).toBe('0-2,5,7-8');
    expect(compactRanges([3])).toBe('3');
  });
});
