// The Electron host's native Open dialog, without Electron: its filters cover every format the readers know (and
// compressed text files, and "All files" for dumps named dump.12000), it starts in the last file's folder, and what
// the renderer gets back is the chosen path or null when cancelled.
import { describe, expect, it } from 'vitest';
import { chosenPath, chosenSavePath, FIGURE_FILTERS, openDialogOptions, saveFigureDialogOptions, TRAJECTORY_FILTERS } from '../../src/main/electron/open-dialog.js';
import { IPC_CHANNELS } from '../../src/shared/api.js';

describe('the native Open dialog', () => {
  it('offers every trajectory format, compressed text files and all files', () => {
    const all = TRAJECTORY_FILTERS[0];
    expect(all.name).toBe('Trajectories');
    for (const ext of ['lammpstrj', 'dump', 'xyz', 'extxyz', 'gsd', 'dcd', 'xtc', 'gz', 'bz2']) expect(all.extensions).toContain(ext);
    expect(TRAJECTORY_FILTERS.at(-1)).toEqual({ name: 'All files', extensions: ['*'] });
    for (const f of TRAJECTORY_FILTERS) for (const e of f.extensions) expect(e).toMatch(/^(\*|[a-z0-9]+)$/);
  });

  it('opens one file, in the folder of the last file opened when there is one', () => {
    const o = openDialogOptions('/data/runs/a/run.gsd');
    expect(o).toMatchObject({ title: 'Open a trajectory', properties: ['openFile'], defaultPath: '/data/runs/a' });
    expect(o.filters).toEqual(TRAJECTORY_FILTERS);
    expect(o.filters).not.toBe(TRAJECTORY_FILTERS);
    expect(openDialogOptions(null).defaultPath).toBeUndefined();
  });

  it('gives the chosen path, or null when cancelled', () => {
    expect(chosenPath({ canceled: false, filePaths: ['/data/run.gsd'] })).toBe('/data/run.gsd');
    expect(chosenPath({ canceled: true, filePaths: [] })).toBeNull();
    expect(chosenPath({ canceled: false, filePaths: [] })).toBeNull();
  });

  it('the dialogs have their own IPC channels beside the API and the events, all distinct', () => {
    expect(new Set(Object.values(IPC_CHANNELS)).size).toBe(Object.keys(IPC_CHANNELS).length);
    expect(IPC_CHANNELS.chooseFile).toBe('avw:choose-file');
    expect(IPC_CHANNELS.chooseFigurePath).toBe('avw:choose-figure-path');
  });

  it('the figure Save dialog starts at the suggested path with its format first, and asks before replacing', () => {
    const o = saveFigureDialogOptions('/data/figs/run-fields-f18.svg');
    expect(o.defaultPath).toBe('/data/figs/run-fields-f18.svg');
    expect(o.filters![0]).toEqual({ name: 'SVG (vector)', extensions: ['svg'] });
    expect(o.filters!.map((f) => f.name).sort()).toEqual(FIGURE_FILTERS.map((f) => f.name).sort());
    expect(o.properties).toContain('showOverwriteConfirmation');
    expect(saveFigureDialogOptions('/x/a.tif').filters![0]!.extensions).toContain('tif');
    expect(chosenSavePath({ canceled: false, filePath: '/data/f.pdf' })).toBe('/data/f.pdf');
    expect(chosenSavePath({ canceled: true, filePath: '' })).toBeNull();
  });
});
