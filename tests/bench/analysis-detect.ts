// Avalanche detection from MSD jumps (src/core/analysis/detect.ts): precision and recall on synthetic MSD series with
// planted jumps (tests/core/analysis/planted-jumps.ts) over many seeds, recall by signal-to-noise ratio, and timings.
// `npx tsx tests/bench/analysis-detect.ts [--seeds=N]` prints the tables; bench() returns the timings.
import { pathToFileURL } from 'node:url';
import { detectJumps } from '../../src/core/analysis/detect.js';
import {
  combineScores, measureDetection, plantedJumps, PLANTED_SCHEDULES, type DetectionMeasurement, type PlantedJumpsParams,
} from '../core/analysis/planted-jumps.js';
import { timeMedian } from './util.js';

const detector = (msd: Float64Array, times: Float64Array) => detectJumps({ msd, times }).candidates;

function line(m: DetectionMeasurement): string {
  const s = m.score;
  const bySnr = m.recallBySnr.map(([lo, found, n]) => `${lo}+:${(found / n).toFixed(2)}`).join(' ');
  return `  ${m.label.padEnd(34)} P ${s.precision.toFixed(3)}  R ${s.recall.toFixed(3)}  (TP ${s.truePositives}, FP ${s.falsePositives}, missed ${s.missed})  recall by SNR ${bySnr}`;
}

/** Precision / recall tables over `nSeeds` seeds per configuration (printed), pooled figures returned. */
export function detectionFigures(nSeeds = 200, print = true): { precision: number; recall: number; rows: DetectionMeasurement[] } {
  const seeds = Array.from({ length: nSeeds }, (_, k) => 1000 + k);
  const rows: DetectionMeasurement[] = [];
  const say = (s: string) => { if (print) console.log(s); };
  say(`\nMSD jump detection: precision / recall, ${nSeeds} seeds per row, 3 jumps per series, SNR log-uniform in [8, 40]`);
  say('(SNR = jump / noise sd of that frame\'s increment; a candidate finds a jump when its [before, after] bracket holds it)');
  for (const name of ['paper', 'lammps', 'linear'] as const) {
    for (const exponent of [1, 0.6, 0.3]) {
      for (const placement of ['time', 'frame'] as const) {
        const m = measureDetection(`${name} α=${exponent} jumps by ${placement}`, { schedule: PLANTED_SCHEDULES[name], exponent, placement }, seeds, detector);
        rows.push(m);
        say(line(m));
      }
    }
  }
  const pooled = combineScores(rows.map((r) => r.score));
  say(`  pooled (paper, lammps, linear):    P ${pooled.precision.toFixed(3)}  R ${pooled.recall.toFixed(3)}`);

  say('\nStress cases (not in the pooled figure):');
  const extra: [string, Omit<PlantedJumpsParams, 'seed'>][] = [
    ['paper, only 4 blocks, jumps by time', { schedule: PLANTED_SCHEDULES.paperFewBlocks, placement: 'time' }],
    ['paper, only 4 blocks, jumps by frame', { schedule: PLANTED_SCHEDULES.paperFewBlocks, placement: 'frame' }],
    ['paper, 6 jumps per series', { schedule: PLANTED_SCHEDULES.paper, jumps: 6 }],
    ['lammps, strong trend (growth 2, low noise)', { schedule: PLANTED_SCHEDULES.lammps, growth: 2, relative: 0.005, vibration: 0.001 }],
    ['paper, SNR 3..40 (detection limit)', { schedule: PLANTED_SCHEDULES.paper, snr: [3, 40] }],
    ['linear, SNR 3..40 (detection limit)', { schedule: PLANTED_SCHEDULES.linear, snr: [3, 40] }],
    ['paper, no jumps (false alarms only)', { schedule: PLANTED_SCHEDULES.paper, jumps: 0 }],
  ];
  for (const [label, base] of extra) {
    const m = measureDetection(label, base, seeds, detector);
    say(base.jumps === 0 ? `  ${label.padEnd(34)} ${m.score.falsePositives} false alarms in ${nSeeds} series (${(m.score.falsePositives / nSeeds).toFixed(3)} per series)` : line(m));
  }
  return { precision: pooled.precision, recall: pooled.recall, rows };
}

export function bench(): { label: string; ms: number }[] {
  const seedsArg = process.argv.find((a) => a.startsWith('--seeds='));
  detectionFigures(seedsArg ? Number(seedsArg.slice(8)) : 200);
  const out: { label: string; ms: number }[] = [];
  const cases: [string, PlantedJumpsParams][] = [
    ['detectJumps, paper schedule, 12 blocks (252 frames)', { seed: 1, schedule: PLANTED_SCHEDULES.paper }],
    ['detectJumps, paper schedule, 500 blocks (10 500 frames)', { seed: 1, schedule: { kind: 'log-block', blocks: 500, B: 1050000, nCfg: 21 }, jumps: 20 }],
    ['detectJumps, linear schedule, 100 000 frames', { seed: 1, schedule: { kind: 'linear', frames: 100_000, step: 100 }, jumps: 20 }],
  ];
  for (const [label, p] of cases) {
    const s = plantedJumps(p);
    out.push({ label, ms: timeMedian(() => detectJumps({ msd: s.msd, times: s.times }), 7, 2) });
  }
  return out;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const rows = bench();
  console.log('');
  for (const { label, ms } of rows) console.log(`${label.padEnd(64)} ${ms.toFixed(2)} ms (median)`);
}
