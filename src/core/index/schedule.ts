// Frame-time schedules: how a trajectory's frames are spaced in timesteps. Pure (no Node imports).
//
// linear:    S(f) = start + f*step
// log-block: frames come in blocks of N_cfg, block i starting at timestep start + i*B; frame f = i*N_cfg + k
//            sits at S(f) = start + i*B + o(k) with o(k) = 2^k (zeroFrame false: offsets 1, 2, 4, ...) or
//            o(0) = 0, o(k) = 2^(k-1) (zeroFrame true: offsets 0, 1, 2, 4, ...): S(f) = i*B + 2^j.
// explicit:  no rule; the frames' own timesteps are the schedule.
// dt is the time per timestep when the file gives times (else null).

export type FrameSchedule =
  | { kind: 'linear'; start: number; step: number; dt: number | null }
  | { kind: 'log-block'; start: number; B: number; N_cfg: number; zeroFrame: boolean; dt: number | null }
  | { kind: 'explicit'; dt: number | null };

function offset(k: number, zeroFrame: boolean): number {
  return zeroFrame ? (k === 0 ? 0 : 2 ** (k - 1)) : 2 ** k;
}

/** The timestep of frame f under a schedule, or null for an explicit schedule. */
export function scheduleTimestep(s: FrameSchedule, f: number): number | null {
  switch (s.kind) {
    case 'linear': return s.start + f * s.step;
    case 'log-block': {
      const i = Math.floor(f / s.N_cfg);
      return s.start + i * s.B + offset(f - i * s.N_cfg, s.zeroFrame);
    }
    case 'explicit': return null;
  }
}

/**
 * Time per timestep when every frame's time is known and proportional to its timestep, else null. Times stored
 * as float32 (XTC, DCD) are compared with a float32 tolerance, and dt is then given to 6 significant digits
 * when that fits as well (500.00003 / 250000 -> 0.002).
 */
function deriveDt(timesteps: ArrayLike<number>, times: ArrayLike<number> | null | undefined): number | null {
  const n = timesteps.length;
  if (!times || times.length !== n || n < 2) return null;
  const dT = timesteps[n - 1] - timesteps[0];
  if (dT === 0) return null;
  let f32 = true;
  let scale = 0;
  for (let f = 0; f < n; f++) {
    if (!Number.isFinite(times[f])) return null;
    if (Math.fround(times[f]) !== times[f]) f32 = false;
    scale = Math.max(scale, Math.abs(times[f]));
  }
  const tol = (f32 ? 1e-6 : 1e-9) * scale;
  const fits = (dt: number) => {
    for (let f = 0; f < n; f++) if (!(Math.abs(times[f] - times[0] - (timesteps[f] - timesteps[0]) * dt) <= tol)) return false;
    return true;
  };
  const dt = (times[n - 1] - times[0]) / dT;
  if (!fits(dt)) return null;
  if (f32) {
    const rounded = Number(dt.toPrecision(6));
    if (fits(rounded)) return rounded;
  }
  return dt;
}

function fitLogBlock(t: ArrayLike<number>, zeroFrame: boolean, dt: number | null): FrameSchedule | null {
  const F = t.length;
  const start = t[0] - offset(0, zeroFrame);
  // Leading frames that follow the first block's offsets.
  let m = 0;
  while (m < F && m < 53 && t[m] - start === offset(m, zeroFrame)) m++;
  const minN = zeroFrame ? 4 : 3;
  if (m >= F) return null; // a single (partial) block: the block length is unknown
  // The next block may start exactly at the next power of two, so try every block length from the longest.
  for (let N = m; N >= minN; N--) {
    const B = t[N] - start - offset(0, zeroFrame);
    if (!(B > offset(N - 1, zeroFrame) - offset(0, zeroFrame))) continue;
    let ok = true;
    for (let f = N; f < F && ok; f++) {
      const i = Math.floor(f / N);
      ok = t[f] === start + i * B + offset(f - i * N, zeroFrame);
    }
    if (ok) return { kind: 'log-block', start, B, N_cfg: N, zeroFrame, dt };
  }
  return null;
}

/** The schedule the timesteps follow: linear when evenly spaced, log-block when they fit S(f) = i*B + 2^j, else explicit. */
export function deriveSchedule(timesteps: ArrayLike<number>, times?: ArrayLike<number> | null): FrameSchedule {
  const F = timesteps.length;
  const dt = deriveDt(timesteps, times);
  if (F === 0) return { kind: 'explicit', dt };
  if (F === 1) return { kind: 'linear', start: timesteps[0], step: 0, dt };
  const step = timesteps[1] - timesteps[0];
  let linear = true;
  for (let f = 2; f < F && linear; f++) linear = timesteps[f] - timesteps[f - 1] === step;
  if (linear) return { kind: 'linear', start: timesteps[0], step, dt };
  return fitLogBlock(timesteps, true, dt) ?? fitLogBlock(timesteps, false, dt) ?? { kind: 'explicit', dt };
}

/** Check a schedule given by a user (e.g. from JSON); throws naming the problem. */
export function validateSchedule(x: unknown): FrameSchedule {
  const o = x as Record<string, unknown> | null;
  const num = (k: string) => typeof o?.[k] === 'number' && Number.isFinite(o[k] as number);
  const dtOk = o?.dt === null || o?.dt === undefined || num('dt');
  const dt = num('dt') ? (o!.dt as number) : null;
  if (!o || typeof o !== 'object' || !dtOk) throw new Error(`invalid frame schedule ${JSON.stringify(x)}: expected an object with a kind and an optional numeric dt`);
  switch (o.kind) {
    case 'linear':
      if (!num('start') || !num('step')) throw new Error(`invalid linear schedule ${JSON.stringify(x)}: expected numeric start and step`);
      return { kind: 'linear', start: o.start as number, step: o.step as number, dt };
    case 'log-block':
      if (!num('start') || !num('B') || !Number.isInteger(o.N_cfg) || (o.N_cfg as number) < 1 || typeof o.zeroFrame !== 'boolean') {
        throw new Error(`invalid log-block schedule ${JSON.stringify(x)}: expected numeric start and B, an integer N_cfg >= 1 and a boolean zeroFrame`);
      }
      return { kind: 'log-block', start: o.start as number, B: o.B as number, N_cfg: o.N_cfg as number, zeroFrame: o.zeroFrame, dt };
    case 'explicit':
      return { kind: 'explicit', dt };
    default:
      throw new Error(`invalid frame schedule ${JSON.stringify(x)}: kind must be 'linear', 'log-block' or 'explicit'`);
  }
}
