// The transport-agnostic backend: one object implementing the typed API, used by Electron's IPC glue and
// by the web host alike. It owns the trajectory index and the open trajectories.
import { readFileSync } from 'node:fs';
import { resolveIndexDir } from '../../core/index/data-dir.js';
import { IndexDb } from '../../core/index/index-db.js';
import { runInWorker } from '../../core/jobs/worker-runner.js';
import { openIndexed, type IndexedTrajectory } from '../../core/index/indexed-trajectory.js';
import { frameDiameters } from '../../core/io/frame-util.js';
import type { Api, ApiMethod, ApiParams, ApiResult, FramePayload, TrajectoryInfo } from '../../shared/api.js';

export interface ServiceOptions {
  host: 'electron' | 'web';
  /** Where the index lives (defaults to AVW_INDEX_DIR or the platform data directory). */
  indexDir?: string;
}

export function appVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
    return pkg.version;
  } catch {
    return 'unknown';
  }
}

export class WorkbenchService implements Api {
  private readonly db: IndexDb;
  private readonly open = new Map<number, IndexedTrajectory>();

  private readonly indexDir: string;

  constructor(private readonly options: ServiceOptions) {
    this.indexDir = resolveIndexDir(options.indexDir);
    this.db = IndexDb.open({ indexDir: this.indexDir });
  }

  async version(): Promise<ApiResult<'version'>> {
    return { app: 'Avalanche Workbench', version: appVersion(), host: this.options.host };
  }

  async openTrajectory(params: ApiParams<'openTrajectory'>): Promise<TrajectoryInfo> {
    // Scanning a large file takes seconds: it runs as a job in a worker thread, so this thread keeps serving.
    await runInWorker('index', { path: params.path, indexDir: this.indexDir });
    const t = openIndexed(params.path, { db: this.db });
    this.open.get(t.id)?.close();
    this.open.set(t.id, t);
    const info = t.info();
    if (!info.timesteps || !info.box) {
      t.close();
      this.open.delete(t.id);
      throw new Error(`${params.path}: no complete frame${t.damage ? ` (${t.damage.message})` : ''}`);
    }
    return {
      id: t.id,
      path: t.path,
      format: info.format,
      frames: info.frames,
      particles: info.particles,
      particlesConstant: info.particlesConstant,
      dimensions: info.dimensions,
      timesteps: info.timesteps,
      box: { origin: info.box.origin, vectors: info.box.vectors, periodic: t.entry(0).box.periodic },
      damage: t.damage ? t.damage.message : null,
    };
  }

  async getFrame(params: ApiParams<'getFrame'>): Promise<FramePayload> {
    const t = this.open.get(params.trajectoryId);
    if (!t) throw new Error(`trajectory ${params.trajectoryId} is not open`);
    if (params.frame >= t.frameCount) throw new Error(`frame ${params.frame} is out of range (the trajectory has ${t.frameCount} frames)`);
    const f = t.readFrame(params.frame, { unwrapped: params.unwrapped === true });
    return {
      trajectoryId: t.id,
      frame: params.frame,
      timestep: f.timestep,
      n: f.n,
      dimensions: f.dimensions,
      box: f.box,
      ids: f.ids,
      types: f.types,
      positions: params.unwrapped && f.unwrapped ? f.unwrapped : f.positions,
      diameters: frameDiameters(f),
      warnings: f.warnings,
    };
  }

  /** Dispatch a validated request by name. */
  call<M extends ApiMethod>(method: M, params: ApiParams<M>): Promise<ApiResult<M>> {
    const fn = this[method] as (p: ApiParams<M>) => Promise<ApiResult<M>>;
    return fn.call(this, params);
  }

  close(): void {
    for (const t of this.open.values()) t.close();
    this.open.clear();
    this.db.close();
  }
}
