// The GSD file layer (gsd-file.ts) on its own: chunks listed by frame and read as typed arrays of their stored type,
// on a file written by the Python gsd package (tests/fixtures/gsd/make_fixtures.py). The hoomd schema on top of it,
// damage and file layer versions are tested through the reader in gsd.test.ts.
import { describe, expect, it } from 'vitest';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FileSource } from '../../../src/core/io/file-source.js';
import { GsdFile, GsdType } from '../../../src/core/io/gsd-file.js';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), '../../fixtures/gsd');

describe('GsdFile on files written by the Python gsd package', () => {
  it('reports chunks by frame and reads them as typed arrays (file layer)', () => {
    const file = new GsdFile(new FileSource(join(fixtures, 'python-3d.gsd')));
    expect(file.nFrames).toBe(2);
    const pos = file.chunks(0).find((c) => c.name === 'particles/position');
    expect(pos).toMatchObject({ frame: 0, N: 5, M: 3, type: GsdType.FLOAT, typeName: 'float', byteLength: 60 });
    const step = file.readChunk(1, 'configuration/step');
    expect(step).toBeInstanceOf(BigUint64Array);
    expect(Number((step as BigUint64Array)[0])).toBe(41);
    const typeid = file.readChunk(0, 'particles/typeid');
    expect(typeid).toBeInstanceOf(Uint32Array);
    expect(Array.from(typeid as Uint32Array)).toEqual([0, 1, 2, 1, 0]);
    expect(file.readChunk(1, 'particles/typeid')).toBeNull();
    expect(file.chunkExists(1, 'particles/position')).toBe(true);
    expect(file.findMatchingChunkNames('particles/m')).toEqual(['particles/mass', 'particles/moment_inertia']);
  });
});
