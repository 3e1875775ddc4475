// Fill-reducing orderings for sparse symmetric factorisation, on the graph of the matrix (one node per particle).
// Nested dissection with level-structure separators (George 1973; George & Liu, "Computer Solution of Large Sparse
// Positive Definite Systems", ch. 8): a breadth-first level structure from a pseudo-peripheral node, a thin level near
// the middle as the separator (trimmed to the nodes that touch the far side), the two sides ordered recursively and the
// separator last. Small parts (leaves) are ordered by exact minimum degree on their own subgraph. Works on any graph:
// periodic (toroidal) packings, lattices, disconnected parts. Pure (no Node, no DOM).

export interface Graph {
  /** Number of nodes. */
  n: number;
  /** Neighbours of i at adj[start[i] .. start[i+1]) (symmetric, no self loops). */
  start: Int32Array;
  adj: Int32Array;
}

export interface NestedDissectionOptions {
  /** Parts of at most this many nodes are ordered by minimum degree instead of being split (default 8). */
  leafSize?: number;
  /** Each side of a separator holds at least this fraction of its part when possible (default 0.25). */
  balance?: number;
}

/** perm[k] = the node eliminated k-th (a permutation of 0..n-1). */
export function nestedDissection(g: Graph, options: NestedDissectionOptions = {}): Int32Array {
  const n = g.n, leaf = Math.max(2, options.leafSize ?? 8), balance = options.balance ?? 0.25;
  const label = new Int32Array(n); // part id of each node; -1 once ordered
  const level = new Int32Array(n).fill(-1);
  const queue = new Int32Array(n);
  const perm = new Int32Array(n);
  let filled = 0;
  let nextId = 1;
  const { start, adj } = g;

  /** BFS from `root` within part `id`; fills queue[0..count) and level[]; returns [count, depth]. */
  const bfs = (root: number, id: number, stamp: Int32Array, st: number): [number, number] => {
    let head = 0, tail = 0;
    queue[tail++] = root;
    stamp[root] = st;
    level[root] = 0;
    let depth = 0;
    while (head < tail) {
      const v = queue[head++];
      const lv = level[v];
      if (lv > depth) depth = lv;
      for (let q = start[v]; q < start[v + 1]; q++) {
        const w = adj[q];
        if (label[w] !== id || stamp[w] === st) continue;
        stamp[w] = st;
        level[w] = lv + 1;
        queue[tail++] = w;
      }
    }
    return [tail, depth];
  };
  const stamp = new Int32Array(n).fill(-1);
  let stampCounter = 0;

  const degreeIn = (v: number, id: number): number => {
    let d = 0;
    for (let q = start[v]; q < start[v + 1]; q++) if (label[adj[q]] === id) d++;
    return d;
  };

  const dissect = (nodes: Int32Array, id: number): void => {
    const m = nodes.length;
    if (m === 0) return;
    if (m <= leaf) {
      filled = minimumDegreeOrder(nodes, g, label, id, perm, filled);
      for (let k = 0; k < m; k++) label[nodes[k]] = -1;
      return;
    }
    // Connected component of nodes[0].
    let [count] = bfs(nodes[0], id, stamp, ++stampCounter);
    if (count < m) {
      const st = stampCounter;
      const a = queue.slice(0, count);
      const rest = new Int32Array(m - count);
      for (let k = 0, w = 0; k < m; k++) if (stamp[nodes[k]] !== st) rest[w++] = nodes[k];
      const ida = nextId++, idb = nextId++;
      for (const v of a) label[v] = ida;
      for (const v of rest) label[v] = idb;
      dissect(a, ida);
      dissect(rest, idb);
      return;
    }
    // Pseudo-peripheral root: restart from a least-degree node of the last level while the depth grows.
    let root = nodes[0];
    let depth = bfs(root, id, stamp, ++stampCounter)[1];
    for (let it = 0; it < 6; it++) {
      let best = -1, bestDeg = Infinity;
      for (let k = count - 1; k >= 0 && level[queue[k]] === depth; k--) {
        const d = degreeIn(queue[k], id);
        if (d < bestDeg) { bestDeg = d; best = queue[k]; }
      }
      const [, d2] = bfs(best, id, stamp, ++stampCounter);
      if (d2 <= depth) { bfs(root, id, stamp, ++stampCounter); break; }
      root = best;
      depth = d2;
    }
    count = m;
    if (depth < 2) {
      // Too dense to dissect (diameter <= 1): order as a leaf.
      filled = minimumDegreeOrder(nodes, g, label, id, perm, filled);
      for (let k = 0; k < m; k++) label[nodes[k]] = -1;
      return;
    }
    // Candidate separators between levels l and l + 1: the nodes of level l with a neighbour in l + 1 ("up"), or the
    // nodes of level l + 1 with a neighbour in l ("down"); the other nodes of that level join the near side. The
    // smallest candidate whose sides both hold >= `balance` of the part wins (else the one nearest the median).
    const size = new Int32Array(depth + 2), up = new Int32Array(depth + 2), down = new Int32Array(depth + 2);
    for (let k = 0; k < m; k++) {
      const v = queue[k], lv = level[v];
      size[lv]++;
      let u = false, dn = false;
      for (let q = start[v]; q < start[v + 1]; q++) {
        const w = adj[q];
        if (label[w] !== id) continue;
        if (level[w] === lv + 1) u = true; else if (level[w] === lv - 1) dn = true;
      }
      if (u) up[lv]++;
      if (dn) down[lv]++;
    }
    let below = 0, best = Infinity, sep = -1, sepDown = false;
    let fallback = -1, fallbackDown = false, fallbackImb = Infinity;
    for (let l = 0; l < depth; l++) {
      // "up" at l: A = levels < l plus the non-touching of l; S = up[l]; B = levels > l.
      // "down" at l + 1: A = levels <= l; S = down[l + 1]; B = the rest.
      const upA = below + size[l] - up[l], upB = m - below - size[l];
      const dnA = below + size[l], dnB = m - dnA - down[l + 1];
      for (const [isDown, sz, aa, bb] of [[false, up[l], upA, upB], [true, down[l + 1], dnA, dnB]] as const) {
        if (aa === 0 || bb === 0) continue;
        const imb = Math.abs(aa - bb);
        if (Math.min(aa, bb) >= balance * m && sz < best) { best = sz; sep = l; sepDown = isDown; }
        if (imb < fallbackImb) { fallbackImb = imb; fallback = l; fallbackDown = isDown; }
      }
      below += size[l];
    }
    if (sep < 0) { sep = fallback; sepDown = fallbackDown; }
    const a: number[] = [], b: number[] = [], s: number[] = [];
    const sl = sepDown ? sep + 1 : sep;
    for (let k = 0; k < m; k++) {
      const v = queue[k], lv = level[v];
      if (lv < sl) a.push(v);
      else if (lv > sl) b.push(v);
      else {
        let touches = false;
        const other = sepDown ? sl - 1 : sl + 1;
        for (let q = start[v]; q < start[v + 1]; q++) {
          const w = adj[q];
          if (label[w] === id && level[w] === other) { touches = true; break; }
        }
        if (touches) s.push(v); else if (sepDown) b.push(v); else a.push(v);
      }
    }
    const ida = nextId++, idb = nextId++;
    for (const v of a) label[v] = ida;
    for (const v of b) label[v] = idb;
    for (const v of s) label[v] = -2; // excluded from both sides' searches
    dissect(Int32Array.from(a), ida);
    dissect(Int32Array.from(b), idb);
    for (const v of s) { perm[filled++] = v; label[v] = -1; }
  };

  const all = new Int32Array(n);
  for (let i = 0; i < n; i++) all[i] = i;
  dissect(all, 0);
  if (filled !== n) throw new Error(`nestedDissection: ordered ${filled} of ${n} nodes`);
  return perm;
}

/**
 * Exact minimum degree on the subgraph of the nodes labelled `id` (explicit elimination graph as a dense m x m byte
 * matrix: for leaves and small dense parts), appending to perm; returns the new fill count.
 */
function minimumDegreeOrder(nodes: Int32Array, g: Graph, label: Int32Array, id: number, perm: Int32Array, filled: number): number {
  const m = nodes.length;
  if (m > 4096) {
    // Far too dense for an explicit graph: keep the given order.
    for (let k = 0; k < m; k++) perm[filled++] = nodes[k];
    return filled;
  }
  const local = new Map<number, number>();
  for (let k = 0; k < m; k++) local.set(nodes[k], k);
  const adj = new Uint8Array(m * m);
  for (let k = 0; k < m; k++) {
    const v = nodes[k];
    for (let q = g.start[v]; q < g.start[v + 1]; q++) {
      const w = g.adj[q];
      if (label[w] !== id) continue;
      const j = local.get(w);
      if (j !== undefined && j !== k) { adj[k * m + j] = 1; adj[j * m + k] = 1; }
    }
  }
  const deg = new Int32Array(m);
  for (let k = 0; k < m; k++) { let d = 0; for (let j = 0; j < m; j++) d += adj[k * m + j]; deg[k] = d; }
  const done = new Uint8Array(m);
  const nb: number[] = [];
  for (let step = 0; step < m; step++) {
    let best = -1, bd = Infinity;
    for (let k = 0; k < m; k++) if (!done[k] && deg[k] < bd) { bd = deg[k]; best = k; }
    done[best] = 1;
    perm[filled++] = nodes[best];
    nb.length = 0;
    for (let j = 0; j < m; j++) if (!done[j] && adj[best * m + j]) nb.push(j);
    // Eliminate: the neighbours become a clique.
    for (const j of nb) { adj[j * m + best] = 0; deg[j]--; }
    for (let x = 0; x < nb.length; x++) {
      const u = nb[x];
      for (let y = x + 1; y < nb.length; y++) {
        const w = nb[y];
        if (!adj[u * m + w]) { adj[u * m + w] = 1; adj[w * m + u] = 1; deg[u]++; deg[w]++; }
      }
    }
  }
  return filled;
}

/** The inverse permutation: iperm[perm[k]] = k. */
export function inversePermutation(perm: Int32Array): Int32Array {
  const ip = new Int32Array(perm.length);
  for (let k = 0; k < perm.length; k++) ip[perm[k]] = k;
  return ip;
}
