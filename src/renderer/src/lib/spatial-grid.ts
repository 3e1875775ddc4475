// A uniform grid over particle positions for picking the particle under the pointer in O(1): counting sort of
// particle indices by cell (typed arrays only, no object per particle).

export class SpatialGrid {
  private constructor(
    private readonly xy: Float32Array,
    private readonly radii: Float32Array,
    private readonly n: number,
    private readonly x0: number,
    private readonly y0: number,
    private readonly cell: number,
    private readonly nx: number,
    private readonly ny: number,
    private readonly start: Int32Array,
    private readonly order: Int32Array,
  ) {}

  /** Build over n particles: xy = 2n positions, radii = n radii. */
  static build(xy: Float32Array, radii: Float32Array, n: number): SpatialGrid {
    let x0 = Infinity;
    let y0 = Infinity;
    let x1 = -Infinity;
    let y1 = -Infinity;
    let rmax = 0;
    for (let i = 0; i < n; i++) {
      const x = xy[2 * i];
      const y = xy[2 * i + 1];
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
      if (radii[i] > rmax) rmax = radii[i];
    }
    if (n === 0) {
      x0 = y0 = 0;
      x1 = y1 = 1;
    }
    const area = Math.max((x1 - x0) * (y1 - y0), 1e-12);
    // About 2 particles per cell, and cells no smaller than the largest radius.
    const cell = Math.max(Math.sqrt((2 * area) / Math.max(n, 1)), rmax, 1e-9);
    const nx = Math.max(1, Math.min(4096, Math.ceil((x1 - x0) / cell) + 1));
    const ny = Math.max(1, Math.min(4096, Math.ceil((y1 - y0) / cell) + 1));
    const cells = nx * ny;
    const start = new Int32Array(cells + 1);
    const cellOf = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const cx = Math.min(nx - 1, Math.floor((xy[2 * i] - x0) / cell));
      const cy = Math.min(ny - 1, Math.floor((xy[2 * i + 1] - y0) / cell));
      const c = cy * nx + cx;
      cellOf[i] = c;
      start[c + 1]++;
    }
    for (let c = 0; c < cells; c++) start[c + 1] += start[c];
    const fill = start.slice(0, cells);
    const order = new Int32Array(n);
    for (let i = 0; i < n; i++) order[fill[cellOf[i]]++] = i;
    return new SpatialGrid(xy, radii, n, x0, y0, cell, nx, ny, start, order);
  }

  /** The particle whose disk contains (x, y), else the nearest centre within `tolerance`, else -1. */
  pick(x: number, y: number, tolerance = 0): number {
    const reach = tolerance + this.cell;
    const cx0 = Math.max(0, Math.floor((x - reach - this.x0) / this.cell));
    const cx1 = Math.min(this.nx - 1, Math.floor((x + reach - this.x0) / this.cell));
    const cy0 = Math.max(0, Math.floor((y - reach - this.y0) / this.cell));
    const cy1 = Math.min(this.ny - 1, Math.floor((y + reach - this.y0) / this.cell));
    let inside = -1;
    let insideD = Infinity;
    let near = -1;
    let nearD = tolerance * tolerance;
    for (let cy = cy0; cy <= cy1; cy++) {
      for (let cx = cx0; cx <= cx1; cx++) {
        const c = cy * this.nx + cx;
        for (let k = this.start[c]; k < this.start[c + 1]; k++) {
          const i = this.order[k];
          const dx = this.xy[2 * i] - x;
          const dy = this.xy[2 * i + 1] - y;
          const d2 = dx * dx + dy * dy;
          const r = this.radii[i];
          if (d2 <= r * r && d2 < insideD) {
            inside = i;
            insideD = d2;
          } else if (d2 <= nearD) {
            near = i;
            nearD = d2;
          }
        }
      }
    }
    return inside >= 0 ? inside : near;
  }

  get count(): number {
    return this.n;
  }
}
