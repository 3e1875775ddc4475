import { readFileSync } from 'node:fs';
import { detectJumps } from '../../src/core/analysis/detect.js';
const files = process.argv.slice(2);
for (const nc of [30, 50]) for (const minScore of [5.5, 4.5, 4, 3.5, 3]) {
  const row: string[] = [];
  let TP = 0, C = 0, F = 0, L = 0;
  for (const fn of files) {
    const r = JSON.parse(readFileSync(fn, 'utf8'));
    const n: number[] = r.n03, s2: number[] = r.sum2;
    const times = Float64Array.from(r.steps as number[]);
    const cum = new Float64Array(n.length);
    for (let f = 1; f < n.length; f++) cum[f] = cum[f - 1] + s2[f];
    const res = detectJumps({ msd: Float64Array.from(s2), input: 'steps', times, minScore, extendScore: Math.min(3, minScore) });
    const lab = (f: number) => f >= 1 && n[f] >= nc;
    let tp = 0; const found = new Set<number>();
    for (const c of res.candidates) { let hit = false; for (let f = c.before + 1; f <= c.after; f++) if (lab(f)) { hit = true; found.add(f); } if (hit) tp++; }
    const l = n.filter((x, f) => lab(f)).length;
    TP += tp; C += res.candidates.length; F += found.size; L += l;
    row.push(`${fn.split('/').pop()!.replace('.label.json', '')} ${tp}/${res.candidates.length} ${found.size}/${l}`);
  }
  console.log(`nc ${nc} min ${minScore}: P ${(TP / Math.max(1, C)).toFixed(2)} R ${(F / Math.max(1, L)).toFixed(2)} | ${row.join(' | ')}`);
}
