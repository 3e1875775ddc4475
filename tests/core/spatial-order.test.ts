import { describe, expect, it } from 'vitest';
import { MORTON_MAX_POINTS, mortonOrder } from '../../src/core/spatial-order.js';

/** Positions n*3 from (x, y[, z]) tuples. */
function points(ps: number[][]): Float64Array {
  const out = new Float64Array(3 * ps.length);
  ps.forEach((p, i) => p.forEach((v, a) => (out[3 * i + a] = v)));
  return out;
}

describe('mortonOrder', () => {
  it('orders the cells of a 4 x 4 grid along the Z-curve (x the lowest bit), whatever the input order', () => {
    // Cell (x, y) has Morton code x0 + 2 y0 + 4 x1 + 8 y1; listing the cells in code order by hand:
    const z = [[0, 0], [1, 0], [0, 1], [1, 1], [2, 0], [3, 0], [2, 1], [3, 1], [0, 2], [1, 2], [0, 3], [1, 3], [2, 2], [3, 2], [2, 3], [3, 3]];
    // Input: the grid row by row, shifted to the cell centres (cell side 1 from the lower bound 0.5).
    const input: number[][] = [];
    for (let y = 0; y < 4; y++) for (let x = 0; x < 4; x++) input.push([x + 0.5, y + 0.5]);
    const order = mortonOrder(points(input), 16, 2, 1);
    expect(Array.from(order, (i) => [input[i][0] - 0.5, input[i][1] - 0.5])).toEqual(z);
    // The same points listed in reverse give the same cells in the same order.
    const rev = [...input].reverse();
    const order2 = mortonOrder(points(rev), 16, 2, 1);
    expect(Array.from(order2, (i) => [rev[i][0] - 0.5, rev[i][1] - 0.5])).toEqual(z);
  });

  it('keeps points of one cell in input order, interleaves z in 3D, and refuses too many points', () => {
    // Three points in cell (0, 0) and one in (1, 0), listed out of order.
    expect(Array.from(mortonOrder(points([[1.5, 0.2], [0.3, 0.1], [0.1, 0.9], [0.9, 0.5]]), 4, 2, 1))).toEqual([1, 2, 3, 0]);
    // 3D, cell side 1: codes x0 + 2 y0 + 4 z0: (0,0,1) = 4 comes after (1,1,0) = 3.
    const p3 = points([[0, 0, 1], [1, 1, 0], [0, 0, 0], [1, 0, 0]]);
    expect(Array.from(mortonOrder(p3, 4, 3, 1))).toEqual([2, 3, 1, 0]);
    expect(() => mortonOrder(new Float64Array(0), MORTON_MAX_POINTS + 1, 2, 1)).toThrow(/at most 2097152/);
  });
});
