// Small pieces of Frame building that several readers share.
import type { Box } from '../box.js';
import type { Frame } from './types.js';

/** Whether every particle has the same z (true for no particles): a flat z makes a frame 2D (Frame contract). */
export function flatZ(positions: Float64Array): boolean {
  const m = positions.length;
  if (m === 0) return true;
  const z0 = positions[2];
  for (let i = 5; i < m; i += 3) if (positions[i] !== z0) return false;
  return true;
}

/**
 * A frame of a format that stores only positions (DCD, XTC): ids 1..n in file order, every type 1, wrapped
 * positions, no images or properties; 2D when the z is flat and there are particles.
 */
export function positionsOnlyFrame(index: number, timestep: number, time: number | null, box: Box, positions: Float64Array): Frame {
  const n = positions.length / 3;
  const ids = new Int32Array(n);
  for (let i = 0; i < n; i++) ids[i] = i + 1;
  const types = new Int32Array(n).fill(1);
  return {
    index,
    timestep,
    time,
    n,
    dimensions: n > 0 && flatZ(positions) ? 2 : 3,
    box,
    ids,
    types,
    typeNames: null,
    positions,
    positionsKind: 'wrapped',
    images: null,
    unwrapped: null,
    properties: {},
    warnings: [],
  };
}

/** Per-particle diameters from a frame's properties: `diameter`, or twice `radius`; null when the file has neither. */
export function frameDiameters(frame: Frame): Float64Array | null {
  if (frame.properties.diameter) return frame.properties.diameter;
  const r = frame.properties.radius;
  return r ? r.map((v) => 2 * v) : null;
}
