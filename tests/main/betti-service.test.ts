// The betti1 track through the workbench's API: the request is valid by the registry (alpha, periodic), the analysis
// pool measures an MD run's paired inherent structures, and the inherent-structure trajectory itself then finds the
// values in the index without a task.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnPoolWorker } from '../../src/core/jobs/pool.js';
import { runInWorker } from '../../src/core/jobs/worker-runner.js';
import { LammpsDumpWriter } from '../../src/core/io/lammps-dump-writer.js';
import { validateRequest } from '../../src/shared/api-validate.js';
import { WorkbenchService, type ServiceOptions } from '../../src/main/service/service.js';
import { tmpDir } from './helpers.js';

const root = tmpDir('avw-betti-service-');
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Frame k: k unit squares (one loop each) and 3 - k collinear quadruples (none), 40 apart in a 200 x 200 box. */
function write(path: string, loops: (k: number) => number): void {
  const w = new LammpsDumpWriter(path, { columns: ['id', 'type', 'x', 'y', 'z', 'diameter'], dimensions: 2, digits: 12 });
  try {
    for (let k = 0; k < 4; k++) {
      const pts = [0, 1, 2].flatMap((c) => {
        const x = 20 + 40 * c;
        return c < loops(k) ? [[x, 50], [x + 1, 50], [x + 1, 51], [x, 51]] : [[x, 50], [x + 1, 50], [x + 2, 50], [x + 3, 50]];
      });
      const positions = new Float64Array(3 * pts.length);
      pts.forEach(([x, y], i) => { positions[3 * i] = x; positions[3 * i + 1] = y; });
      w.append({
        timestep: 100 * k, box: { origin: [0, 0, -0.5], vectors: [[200, 0, 0], [0, 200, 0], [0, 0, 1]], periodic: [true, true, true] },
        ids: Int32Array.from({ length: pts.length }, (_, i) => i + 1), types: new Int32Array(pts.length).fill(1), positions,
        properties: { diameter: new Float64Array(pts.length).fill(1) },
      });
    }
  } finally {
    w.close();
  }
}

describe('betti1 in the workbench service', () => {
  it('is a valid request with its parameters, and wrong values are named', () => {
    expect(validateRequest('getSeries', { trajectoryId: 1, name: 'betti1', params: { alpha: 2, periodic: true } }).params)
      .toEqual({ trajectoryId: 1, name: 'betti1', params: { alpha: 2, periodic: true } });
    expect(() => validateRequest('getSeries', { trajectoryId: 1, name: 'betti1', params: { periodic: 1 } })).toThrow('getSeries: "params.periodic" must be true or false (got 1)');
    expect(() => validateRequest('getSeries', { trajectoryId: 1, name: 'betti1_alive', params: { potential: 'wca' } })).toThrow(/"params.potential" does not apply/);
  });

  it('measures the paired inherent structures of an MD run in a pool task; the IS trajectory then reads them from the index', async () => {
    const run = join(root, 'run.lammpstrj');
    write(run, () => 0);
    write(join(root, 'run.is.lammpstrj'), (k) => k);
    const tasks: string[] = [];
    // Series tasks only (opening a trajectory also prepares it in the background).
    const spawnPoolChild: ServiceOptions['spawnPoolChild'] = (o) => {
      const child = spawnPoolWorker(o);
      return { ...child, send: (m) => { if (m.type === 'task' && m.task.kind === 'series') tasks.push(m.task.kind); child.send(m); } };
    };
    const service = new WorkbenchService({
      host: 'web', indexDir: join(root, 'index'), appRoot: join(root, 'app'), runJob: (kind, params, options) => runInWorker(kind, params, options), spawnPoolChild,
    });
    try {
      const md = await service.openTrajectory({ path: run });
      const s = await service.getSeries({ trajectoryId: md.id, name: 'betti1' });
      expect(Array.from(s.values)).toEqual([0, 1, 2, 3]);
      expect(Array.from(s.timesteps)).toEqual([0, 100, 200, 300]);
      expect(tasks).toEqual(['series']);
      const is = await service.openTrajectory({ path: join(root, 'run.is.lammpstrj') });
      const alive = await service.getSeries({ trajectoryId: is.id, name: 'betti1_alive', params: { alpha: 8.19 } });
      expect(Array.from(alive.values)).toEqual([0, 0, 0, 0]);
      expect(tasks).toEqual(['series']);
      await expect(service.getSeries({ trajectoryId: md.id, name: 'betti1', params: { is: join(root, 'none.gsd') } })).rejects.toThrow(/none\.gsd \(--is\) does not exist/);
    } finally {
      service.close();
    }
  }, 60_000);
});
