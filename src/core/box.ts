// Periodic simulation boxes: the one place for box geometry (LAMMPS triclinic convention).
// Vectors are rows: a = (lx,0,0), b = (xy,ly,0), c = (xz,yz,lz); a point is origin + s0*a + s1*b + s2*c.
export type Vec3 = [number, number, number];

export interface Box {
  /** Absolute lower corner (LAMMPS xlo, ylo, zlo after removing tilt from the bounding box). */
  origin: Vec3;
  /** Edge vectors as rows [a, b, c]. */
  vectors: [Vec3, Vec3, Vec3];
  /** Periodicity per axis (LAMMPS `pp` flags; GSD/XYZ periodic unless told otherwise). */
  periodic: [boolean, boolean, boolean];
}

export function orthoBox(lx: number, ly: number, lz: number, origin: Vec3 = [0, 0, 0]): Box {
  return { origin: [...origin], vectors: [[lx, 0, 0], [0, ly, 0], [0, 0, lz]], periodic: [true, true, true] };
}

/** A box from lengths and tilt factors in LAMMPS's absolute convention (xy, xz, yz in length units). */
export function triclinicBox(
  origin: Vec3, lx: number, ly: number, lz: number, xy: number, xz: number, yz: number,
  periodic: [boolean, boolean, boolean] = [true, true, true],
): Box {
  return { origin: [...origin], vectors: [[lx, 0, 0], [xy, ly, 0], [xz, yz, lz]], periodic: [...periodic] };
}

/**
 * The box from a LAMMPS `ITEM: BOX BOUNDS` block. For triclinic boxes the bounds are those of the bounding
 * box and LAMMPS's Howto_triclinic gives xlo = xlo_bound - min(0, xy, xz, xy+xz), xhi = xhi_bound - max(0, xy, xz, xy+xz),
 * ylo = ylo_bound - min(0, yz), yhi = yhi_bound - max(0, yz).
 */
export function boxFromLammpsBounds(
  bounds: [[number, number], [number, number], [number, number]],
  tilt: [number, number, number] | null,
  periodic: [boolean, boolean, boolean] = [true, true, true],
): Box {
  let [[xlo, xhi], [ylo, yhi]] = bounds;
  const [, , [zlo, zhi]] = bounds;
  const [xy, xz, yz] = tilt ?? [0, 0, 0];
  if (tilt) {
    xlo -= Math.min(0, xy, xz, xy + xz);
    xhi -= Math.max(0, xy, xz, xy + xz);
    ylo -= Math.min(0, yz);
    yhi -= Math.max(0, yz);
  }
  return triclinicBox([xlo, ylo, zlo], xhi - xlo, yhi - ylo, zhi - zlo, xy, xz, yz, periodic);
}

/** The box from HOOMD's [Lx, Ly, Lz, xy, xz, yz] (tilts dimensionless, origin at the box centre). */
export function boxFromHoomd(b: ArrayLike<number>, dimensions: 2 | 3): Box {
  const [Lx, Ly, Lz, xy, xz, yz] = [b[0], b[1], b[2], b[3] ?? 0, b[4] ?? 0, b[5] ?? 0];
  const vectors: [Vec3, Vec3, Vec3] = [[Lx, 0, 0], [xy * Ly, Ly, 0], [xz * Lz, yz * Lz, Lz]];
  // HOOMD centres the box on 0: origin = -(a + b + c)/2.
  const origin: Vec3 = [
    -(vectors[0][0] + vectors[1][0] + vectors[2][0]) / 2,
    -(vectors[1][1] + vectors[2][1]) / 2,
    -vectors[2][2] / 2,
  ];
  return { origin, vectors, periodic: [true, true, dimensions === 3] };
}

/** HOOMD's [Lx, Ly, Lz, xy, xz, yz] for a box (inverse of boxFromHoomd; the origin is not representable). */
export function boxToHoomd(box: Box): [number, number, number, number, number, number] {
  const [a, b, c] = box.vectors;
  const Lx = a[0], Ly = b[1], Lz = c[2];
  return [Lx, Ly, Lz, Ly !== 0 ? b[0] / Ly : 0, Lz !== 0 ? c[0] / Lz : 0, Lz !== 0 ? c[1] / Lz : 0];
}

/** Cartesian point from fractional (scaled) coordinates: origin + s @ [a; b; c]. */
export function scaledToCartesian(box: Box, s0: number, s1: number, s2: number, out: Float64Array, at: number): void {
  const [a, b, c] = box.vectors;
  out[at] = box.origin[0] + s0 * a[0] + s1 * b[0] + s2 * c[0];
  out[at + 1] = box.origin[1] + s1 * b[1] + s2 * c[1];
  out[at + 2] = box.origin[2] + s2 * c[2];
}

/** Unwrapped positions from wrapped positions and image flags: x + ix*a + iy*b + iz*c. */
export function unwrapWithImages(box: Box, positions: Float64Array, images: Int32Array): Float64Array {
  const [a, b, c] = box.vectors;
  const out = new Float64Array(positions.length);
  for (let i = 0; i < positions.length; i += 3) {
    const ix = images[i], iy = images[i + 1], iz = images[i + 2];
    out[i] = positions[i] + ix * a[0] + iy * b[0] + iz * c[0];
    out[i + 1] = positions[i + 1] + iy * b[1] + iz * c[1];
    out[i + 2] = positions[i + 2] + iz * c[2];
  }
  return out;
}

export function boxVolume(box: Box, dimensions: 2 | 3): number {
  const [a, b, c] = box.vectors;
  return dimensions === 2 ? a[0] * b[1] : a[0] * b[1] * c[2];
}

export function boxesEqual(p: Box, q: Box): boolean {
  for (let i = 0; i < 3; i++) {
    if (p.origin[i] !== q.origin[i] || p.periodic[i] !== q.periodic[i]) return false;
    for (let j = 0; j < 3; j++) if (p.vectors[i][j] !== q.vectors[i][j]) return false;
  }
  return true;
}

/**
 * Minimum-image separation d = r - (integer combination of box vectors), in place on (dx, dy, dz) stored at out[at..at+2].
 * Works for triclinic boxes in LAMMPS's restricted form (a along x, b in the xy plane), on periodic axes only.
 */
export function minimumImage(box: Box, out: Float64Array, at: number): void {
  const [a, b, c] = box.vectors;
  if (box.periodic[2] && c[2] !== 0) {
    const k = Math.round(out[at + 2] / c[2]);
    out[at] -= k * c[0]; out[at + 1] -= k * c[1]; out[at + 2] -= k * c[2];
  }
  if (box.periodic[1] && b[1] !== 0) {
    const k = Math.round(out[at + 1] / b[1]);
    out[at] -= k * b[0]; out[at + 1] -= k * b[1];
  }
  if (box.periodic[0] && a[0] !== 0) {
    const k = Math.round(out[at] / a[0]);
    out[at] -= k * a[0];
  }
}
