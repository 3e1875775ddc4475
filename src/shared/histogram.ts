// Histograms, the one implementation for the workbench's field panel and the figures' distributions: bins of
// equal width over [min, max] (the last bin includes max), finite values only.
import { finiteExtent } from './colormaps.js';

export interface Histogram { edges: Float64Array; counts: Float64Array[] }

export function binEdges(bins: number, min: number, max: number): Float64Array {
  const edges = new Float64Array(bins + 1);
  for (let b = 0; b <= bins; b++) edges[b] = min + ((max - min) * b) / bins;
  return edges;
}

/** Counts per bin of the values inside [min, max], and how many that was. */
export function binCounts(values: ArrayLike<number>, bins: number, min: number, max: number): { counts: Float64Array; count: number } {
  const counts = new Float64Array(bins);
  const scale = bins / (max - min);
  let count = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!(v >= min && v <= max)) continue; // NaN and values outside fail this
    counts[Math.min(bins - 1, Math.floor((v - min) * scale))]++;
    count++;
  }
  return { counts, count };
}

/** Histograms of several arrays over one range (given, or their finite extent) of `bins` bins. */
export function histograms(arrays: readonly Float32Array[], bins: number, range?: { min: number; max: number }): Histogram | null {
  const extent = range ?? finiteExtent(arrays);
  if (!extent || !(extent.max >= extent.min)) return null;
  let { min, max } = extent;
  if (max === min) {
    min -= 0.5;
    max += 0.5;
  }
  return { edges: binEdges(bins, min, max), counts: arrays.map((a) => binCounts(a, bins, min, max).counts) };
}
