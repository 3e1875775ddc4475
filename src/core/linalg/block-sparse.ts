// Block-sparse symmetric matrices: block CSR with dense b x b blocks (b = 2 for a 2D Hessian, one block per particle
// pair). Both triangles and the diagonal blocks are stored, rows sorted by column. Pure (no Node, no DOM).

export interface BlockCsr {
  /** Block rows (= block columns): particles. The scalar size is nb * b. */
  readonly nb: number;
  /** Block size (degrees of freedom per particle). */
  readonly b: number;
  /** Row starts, length nb + 1. */
  readonly start: Int32Array;
  /** Block column of each stored block, ascending within a row. */
  readonly cols: Int32Array;
  /** b*b values per block, row-major within the block: block q, entry (r, c) at q*b*b + r*b + c. */
  readonly values: Float64Array;
}

/** y = A x (scalar vectors of length nb*b); `y` is overwritten. */
export function blockCsrMultiply(A: BlockCsr, x: Float64Array, y: Float64Array): Float64Array {
  const { nb, b, start, cols, values: v } = A;
  if (x.length < nb * b || y.length < nb * b) throw new RangeError(`blockCsrMultiply: vectors shorter than ${nb * b}`);
  if (b === 2) {
    for (let i = 0; i < nb; i++) {
      let s0 = 0, s1 = 0;
      for (let q = start[i]; q < start[i + 1]; q++) {
        const j = 2 * cols[q], o = 4 * q;
        const x0 = x[j], x1 = x[j + 1];
        s0 += v[o] * x0 + v[o + 1] * x1;
        s1 += v[o + 2] * x0 + v[o + 3] * x1;
      }
      y[2 * i] = s0;
      y[2 * i + 1] = s1;
    }
    return y;
  }
  const bb = b * b;
  for (let i = 0; i < nb; i++) {
    for (let r = 0; r < b; r++) y[i * b + r] = 0;
    for (let q = start[i]; q < start[i + 1]; q++) {
      const j = cols[q] * b, o = q * bb;
      for (let r = 0; r < b; r++) {
        let s = 0;
        for (let c = 0; c < b; c++) s += v[o + r * b + c] * x[j + c];
        y[i * b + r] += s;
      }
    }
  }
  return y;
}

/** The dense (nb*b)^2 row-major matrix (tests, small systems). */
export function blockCsrToDense(A: BlockCsr): Float64Array {
  const { nb, b, start, cols, values } = A;
  const n = nb * b;
  const out = new Float64Array(n * n);
  for (let i = 0; i < nb; i++) {
    for (let q = start[i]; q < start[i + 1]; q++) {
      const j = cols[q];
      for (let r = 0; r < b; r++) for (let c = 0; c < b; c++) out[(i * b + r) * n + j * b + c] = values[q * b * b + r * b + c];
    }
  }
  return out;
}

/** A block CSR matrix from a dense symmetric (nb*b)^2 row-major matrix, keeping blocks with any nonzero entry. */
export function blockCsrFromDense(dense: ArrayLike<number>, nb: number, b: number): BlockCsr {
  const n = nb * b;
  const start = new Int32Array(nb + 1);
  const cols: number[] = [];
  const vals: number[] = [];
  for (let i = 0; i < nb; i++) {
    for (let j = 0; j < nb; j++) {
      let any = i === j;
      for (let r = 0; r < b && !any; r++) for (let c = 0; c < b; c++) if (dense[(i * b + r) * n + j * b + c] !== 0) { any = true; break; }
      if (!any) continue;
      cols.push(j);
      for (let r = 0; r < b; r++) for (let c = 0; c < b; c++) vals.push(dense[(i * b + r) * n + j * b + c]);
    }
    start[i + 1] = cols.length;
  }
  return { nb, b, start, cols: Int32Array.from(cols), values: Float64Array.from(vals) };
}

/** The adjacency (block pattern without the diagonal) as CSR: neighbours of i at adj[adjStart[i] .. adjStart[i+1]). */
export function blockCsrGraph(A: BlockCsr): { start: Int32Array; adj: Int32Array } {
  const { nb, start, cols } = A;
  const s = new Int32Array(nb + 1);
  for (let i = 0; i < nb; i++) {
    let c = 0;
    for (let q = start[i]; q < start[i + 1]; q++) if (cols[q] !== i) c++;
    s[i + 1] = s[i] + c;
  }
  const adj = new Int32Array(s[nb]);
  for (let i = 0, w = 0; i < nb; i++) for (let q = start[i]; q < start[i + 1]; q++) if (cols[q] !== i) adj[w++] = cols[q];
  return { start: s, adj };
}
