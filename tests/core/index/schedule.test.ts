import { describe, expect, it } from 'vitest';
import { deriveSchedule, scheduleTimestep, validateSchedule, type FrameSchedule } from '../../../src/core/index/schedule.js';

function steps(s: FrameSchedule, count: number): number[] {
  return Array.from({ length: count }, (_, f) => scheduleTimestep(s, f)!);
}

describe('frame-time schedules', () => {
  it('derives a linear schedule with dt from the frame times', () => {
    const t = [1000, 1100, 1200, 1300];
    expect(deriveSchedule(t, [5, 5.5, 6, 6.5])).toEqual({ kind: 'linear', start: 1000, step: 100, dt: 0.005 });
    expect(deriveSchedule(t)).toEqual({ kind: 'linear', start: 1000, step: 100, dt: null });
    expect(deriveSchedule([42])).toEqual({ kind: 'linear', start: 42, step: 0, dt: null });
  });

  it('recognises log-block sampling with a frame at each block start (0,1,2,4,..)', () => {
    // Blocks of B = 16 steps, N_cfg = 5 frames: 0,1,2,4,8 | 16,17,18,20,24 | 32,...
    const t = [0, 1, 2, 4, 8, 16, 17, 18, 20, 24, 32, 33, 34];
    const s = deriveSchedule(t);
    expect(s).toEqual({ kind: 'log-block', start: 0, B: 16, N_cfg: 5, zeroFrame: true, dt: null });
    expect(steps(s, t.length)).toEqual(t);
  });

  it('recognises log-block sampling S(f) = i*B + 2^j with an offset start', () => {
    // 2^j for j = 0..3, blocks of 100 steps, starting at 5000.
    const t = [5001, 5002, 5004, 5008, 5101, 5102, 5104, 5108, 5201];
    const s = deriveSchedule(t);
    expect(s).toEqual({ kind: 'log-block', start: 5000, B: 100, N_cfg: 4, zeroFrame: false, dt: null });
    expect(steps(s, t.length)).toEqual(t);
  });

  it('falls back to explicit for irregular timesteps', () => {
    expect(deriveSchedule([0, 3, 7, 8, 20])).toEqual({ kind: 'explicit', dt: null });
    // One (partial) log block: the block length is unknown.
    expect(deriveSchedule([0, 1, 2, 4, 8, 16]).kind).toBe('explicit');
    expect(deriveSchedule([])).toEqual({ kind: 'explicit', dt: null });
  });

  it('validates user schedules', () => {
    expect(validateSchedule({ kind: 'log-block', start: 0, B: 1024, N_cfg: 11, zeroFrame: true, dt: 0.002 }))
      .toEqual({ kind: 'log-block', start: 0, B: 1024, N_cfg: 11, zeroFrame: true, dt: 0.002 });
    expect(() => validateSchedule({ kind: 'linear', start: 0 })).toThrow(/numeric start and step/);
    expect(() => validateSchedule({ kind: 'weird' })).toThrow(/kind must be/);
  });
});

describe('dt from frame times', () => {
  it('tolerates float32 times (XTC/DCD) and gives a clean dt', () => {
    const steps = [250000, 250500, 251000, 251500];
    const times = steps.map((s) => Math.fround(s * 0.002));
    expect(deriveSchedule(steps, times)).toEqual({ kind: 'linear', start: 250000, step: 500, dt: 0.002 });
    // Float64 times that are not proportional to the timesteps give no dt.
    expect(deriveSchedule([0, 10, 20], [0, 1, 2.5]).dt).toBeNull();
  });
});
