// Sorting particles by ascending id, shared by the readers whose files carry ids: a fast path when the ids are
// already ascending, an O(n) placement when they are dense (max - min + 1 === n, no repeats), else an argsort.
// Duplicate ids keep their file order (the sort is stable) and earn a warning.

/** The warning a frame gets when its ids repeat. */
export const DUPLICATE_IDS_WARNING = 'duplicate particle ids; their file order is kept';

/** Whether `ids` are strictly ascending (then no sorting is needed). */
export function idsAscending(ids: Int32Array): boolean {
  for (let i = 1; i < ids.length; i++) if (ids[i] <= ids[i - 1]) return false;
  return true;
}

/**
 * The stable permutation that sorts `ids` ascending (new position j takes old index perm[j]): O(n) placement for
 * dense unique ids, else a sort; `duplicates` tells whether some id occurs more than once.
 */
export function sortPermutation(ids: Int32Array): { perm: Int32Array; duplicates: boolean } {
  const n = ids.length;
  let min = n > 0 ? ids[0] : 0;
  let max = min;
  for (let i = 1; i < n; i++) {
    const v = ids[i];
    if (v < min) min = v;
    else if (v > max) max = v;
  }
  if (max - min + 1 === n) {
    const slot = new Int32Array(n).fill(-1);
    let ok = true;
    for (let i = 0; i < n; i++) {
      const k = ids[i] - min;
      if (slot[k] >= 0) {
        ok = false;
        break;
      }
      slot[k] = i;
    }
    if (ok) return { perm: slot, duplicates: false };
  }
  // (id - min) * n + i is unique, exact in a double, and sorts by id then file order.
  const keys = new Float64Array(n);
  for (let i = 0; i < n; i++) keys[i] = (ids[i] - min) * n + i;
  keys.sort();
  const perm = new Int32Array(n);
  let duplicates = false;
  for (let j = 0; j < n; j++) {
    const i = keys[j] % n;
    perm[j] = i;
    if (j > 0 && ids[i] === ids[perm[j - 1]]) duplicates = true;
  }
  return { perm, duplicates };
}

/**
 * The permutation that sorts `ids` ascending, or null when they already are (the fast path). Pushes
 * DUPLICATE_IDS_WARNING onto `warnings` when ids repeat.
 */
export function idOrder(ids: Int32Array, warnings: string[]): Int32Array | null {
  if (idsAscending(ids)) return null;
  const { perm, duplicates } = sortPermutation(ids);
  if (duplicates) warnings.push(DUPLICATE_IDS_WARNING);
  return perm;
}

/** `a` reordered by `perm` (element j of the result is element perm[j] of `a`); `stride` values per particle (1 or 3). */
export function permute<T extends Int32Array | Float64Array>(a: T, perm: Int32Array, stride: 1 | 3): T {
  const out = new (a.constructor as new (n: number) => T)(a.length);
  if (stride === 1) {
    for (let j = 0; j < perm.length; j++) out[j] = a[perm[j]];
  } else {
    for (let j = 0; j < perm.length; j++) {
      const s = perm[j] * 3;
      const d = j * 3;
      out[d] = a[s];
      out[d + 1] = a[s + 1];
      out[d + 2] = a[s + 2];
    }
  }
  return out;
}
