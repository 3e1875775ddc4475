// The alpha-relaxation time: tau_alpha is the first time the self-intermediate scattering function falls to 1/e,
// F_s(q, tau_alpha) = 1/e (Jha & Sengupta Sec. II, with T_g where tau_alpha = 10^6); interpolated linearly in ln t between samples.
// Its standard error over replicas is the jackknife's (leave one replica out, recompute tau from the mean curve). Pure.

export const ONE_OVER_E = Math.exp(-1);

export interface RelaxationTime {
  /** The crossing time, or null when the curve stays above the level over the whole window. */
  tau: number | null;
  /** When it never crosses: the last time sampled (tau is larger than this), else null. */
  lowerBound: number | null;
}

/**
 * First crossing of `level` by the curve (times ascending, t >= 0). Between samples the crossing is linear in ln t
 * (linear in t on a segment starting at t = 0). NaN samples are skipped.
 */
export function relaxationTime(times: ArrayLike<number>, values: ArrayLike<number>, level = ONE_OVER_E): RelaxationTime {
  if (times.length !== values.length) throw new RangeError(`relaxationTime: ${times.length} times and ${values.length} values`);
  let prevT = NaN;
  let prevV = NaN;
  let last = NaN;
  for (let k = 0; k < times.length; k++) {
    const t = times[k]!;
    const v = values[k]!;
    if (!Number.isFinite(t) || !Number.isFinite(v)) continue;
    if (k > 0 && Number.isFinite(prevT) && t <= prevT) throw new RangeError('relaxationTime: times must increase');
    last = t;
    if (v <= level) {
      if (!Number.isFinite(prevT)) return { tau: t, lowerBound: null };
      const f = (prevV - level) / (prevV - v);
      if (prevT <= 0) return { tau: prevT + f * (t - prevT), lowerBound: null };
      return { tau: Math.exp(Math.log(prevT) + f * (Math.log(t) - Math.log(prevT))), lowerBound: null };
    }
    prevT = t;
    prevV = v;
  }
  return { tau: null, lowerBound: Number.isFinite(last) ? last : null };
}

export interface ReplicaRelaxationTime extends RelaxationTime {
  /** Jackknife standard error of ln tau over replicas; null with fewer than 2 replicas or when a leave-one-out curve does not cross. */
  lnTauStderr: number | null;
  replicas: number;
}

/**
 * tau_alpha of the replica-averaged curve and the jackknife standard error of ln tau:
 * se^2 = (n-1)/n sum_i (ln tau_(i) - mean_i ln tau_(i))^2, tau_(i) from the mean of all replicas but i.
 * `replicas`: each replica's F_s on the same `times` (NaN where a replica has no value).
 */
export function replicaRelaxationTime(times: ArrayLike<number>, replicas: readonly ArrayLike<number>[], level = ONE_OVER_E): ReplicaRelaxationTime {
  const n = replicas.length;
  if (n === 0) throw new RangeError('replicaRelaxationTime: no replicas');
  const m = times.length;
  const meanOf = (skip: number): Float64Array => {
    const out = new Float64Array(m);
    for (let k = 0; k < m; k++) {
      let s = 0;
      let c = 0;
      for (let r = 0; r < n; r++) {
        if (r === skip) continue;
        const v = replicas[r]![k]!;
        if (Number.isFinite(v)) {
          s += v;
          c++;
        }
      }
      out[k] = c > 0 ? s / c : NaN;
    }
    return out;
  };
  const all = relaxationTime(times, meanOf(-1), level);
  let lnTauStderr: number | null = null;
  if (n >= 2 && all.tau !== null && all.tau > 0) {
    const logs: number[] = [];
    for (let r = 0; r < n; r++) {
      const t = relaxationTime(times, meanOf(r), level).tau;
      if (t === null || !(t > 0)) break;
      logs.push(Math.log(t));
    }
    if (logs.length === n) {
      const mean = logs.reduce((a, b) => a + b, 0) / n;
      const ss = logs.reduce((a, b) => a + (b - mean) * (b - mean), 0);
      lnTauStderr = Math.sqrt(((n - 1) / n) * ss);
    }
  }
  return { ...all, lnTauStderr, replicas: n };
}
