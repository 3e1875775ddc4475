// Test helpers for the oracle fixtures (tests/fixtures/oracle): loading, 2D -> n*3 positions, and the tolerance rule
// |actual - expected| <= abs + rel*|expected| element-wise (null = NaN expected).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { orthoBox, type Box } from '../../src/core/box.js';

export interface Tolerance { rel: number; abs: number }

export interface OracleSection {
  description: string;
  parameters: Record<string, unknown>;
  expected: Record<string, unknown>;
  tolerance: Record<string, Tolerance | string>;
}

export interface OracleFixture {
  inputs: {
    N: number; L: number; rho: number; T: number;
    diameters: number[]; hertz_radii: number[];
    frame0: number[][]; frame1: number[][]; frame1_images: number[][]; frame1_unwrapped: number[][];
    trajectory_unwrapped: number[][][]; trajectory_wrapped: number[][][]; trajectory_images: number[][][];
    minimized_positions: { wca: number[][]; hertz: number[][] };
    hessian_test_vector: number[];
  };
  sections: Record<string, OracleSection>;
}

const cache = new Map<string, OracleFixture>();

export function loadOracle(n: 64 | 400): OracleFixture {
  const file = join(import.meta.dirname, '../fixtures/oracle', `fixture_N${n}.json`);
  let f = cache.get(file);
  if (!f) {
    f = JSON.parse(readFileSync(file, 'utf8')) as OracleFixture;
    cache.set(file, f);
  }
  return f;
}

/** [[x, y], ...] -> n*3 interleaved with z = 0. */
export function xyz(points: number[][]): Float64Array {
  const out = new Float64Array(3 * points.length);
  for (let i = 0; i < points.length; i++) {
    out[3 * i] = points[i][0];
    out[3 * i + 1] = points[i][1];
  }
  return out;
}

export function oracleBox(f: OracleFixture): Box {
  return orthoBox(f.inputs.L, f.inputs.L, 1);
}

export function tol(section: OracleSection, key = 'default'): Tolerance {
  const t = section.tolerance[key];
  if (typeof t !== 'object') throw new Error(`no numeric tolerance "${key}"`);
  return t;
}

/** Asserts every element within tolerance, reporting the worst one. */
export function expectClose(actual: ArrayLike<number> | number, expected: unknown, t: Tolerance, label: string): void {
  const a = typeof actual === 'number' ? [actual] : Array.from(actual);
  const e = (typeof expected === 'number' || expected === null ? [expected] : (expected as unknown[]).flat(3)) as (number | null)[];
  expect(a.length, `${label}: length`).toBe(e.length);
  let worst = -Infinity, at = -1;
  for (let i = 0; i < a.length; i++) {
    const ei = e[i];
    if (ei === null) {
      expect(Number.isNaN(a[i]), `${label}[${i}] should be NaN`).toBe(true);
      continue;
    }
    if (!Number.isFinite(a[i])) expect.fail(`${label}[${i}]: actual ${a[i]} expected ${ei}`);
    const excess = Math.abs(a[i] - ei) - (t.abs + t.rel * Math.abs(ei));
    if (excess > worst) { worst = excess; at = i; }
  }
  if (at >= 0 && worst > 0) {
    expect.fail(`${label}[${at}]: actual ${a[at]} expected ${e[at]} (excess ${worst} over abs ${t.abs} + rel ${t.rel})`);
  }
}
