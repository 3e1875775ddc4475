// Morton (Z-curve) order of points: points near in space get nearby numbers, so loops over pairs of near points touch
// nearby memory (the Rips filtration's vertices; fresh random configurations of the simulation). Pure.

/** The most points `mortonOrder` orders (its packing of cell code and index into one double). */
export const MORTON_MAX_POINTS = 1 << 21;

/**
 * The input indices of points 0..n-1 (positions n*3; the first `dimensions` coordinates used) in Morton order of
 * cells of side `cell` from the points' lower bounds (the side is enlarged when the data's extent needs more than
 * 2^16 cells along an axis in 2D, 2^10 in 3D), ties in input order. Bits interleave x lowest: cells (0,0), (1,0),
 * (0,1), (1,1), (2,0), ... Non-finite coordinates land in cell 0 of their axis.
 */
export function mortonOrder(positions: Float64Array, n: number, dimensions: 2 | 3, cell: number): Int32Array {
  if (!(n <= MORTON_MAX_POINTS)) throw new RangeError(`Morton order: ${n} points; at most ${MORTON_MAX_POINTS} are supported`);
  const lo = [Infinity, Infinity, Infinity], hi = [-Infinity, -Infinity, -Infinity];
  for (let i = 0; i < n; i++) {
    for (let a = 0; a < dimensions; a++) {
      const x = positions[3 * i + a];
      if (x < lo[a]) lo[a] = x;
      if (x > hi[a]) hi[a] = x;
    }
  }
  const bits = dimensions === 2 ? 16 : 10, maxCell = (1 << bits) - 1;
  let h = cell;
  for (let a = 0; a < dimensions; a++) h = Math.max(h, (hi[a] - lo[a]) / maxCell);
  const packed = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let code = 0;
    for (let a = 0; a < dimensions; a++) {
      const c = Math.min(maxCell, Math.floor((positions[3 * i + a] - lo[a]) / h));
      for (let bit = 0; bit < bits; bit++) code += ((c >> bit) & 1) * 2 ** (dimensions * bit + a);
    }
    packed[i] = code * MORTON_MAX_POINTS + i; // code < 2^32, i < 2^21: exact
  }
  packed.sort();
  const ids = new Int32Array(n);
  for (let v = 0; v < n; v++) ids[v] = packed[v] % MORTON_MAX_POINTS;
  return ids;
}
