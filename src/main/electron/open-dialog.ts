// The Electron host's native "Open file" dialog: its options (filters for the formats the readers know, starting in
// the folder of the last file opened) and what the renderer gets back. Pure, so it type-checks and tests without Electron.
import { dirname } from 'node:path';
import type { FileFilter, OpenDialogOptions, OpenDialogReturnValue, SaveDialogOptions, SaveDialogReturnValue } from 'electron';

/** Text formats may be gzip- or bzip2-compressed; the format is found from the content, so "All files" stays offered
 * (LAMMPS dumps are often named dump.atom, dump.12000, ...). */
export const TRAJECTORY_FILTERS: readonly FileFilter[] = [
  { name: 'Trajectories', extensions: ['lammpstrj', 'dump', 'atom', 'xyz', 'extxyz', 'gsd', 'dcd', 'xtc', 'gz', 'bz2'] },
  { name: 'LAMMPS dump', extensions: ['lammpstrj', 'dump', 'atom', 'gz', 'bz2'] },
  { name: 'XYZ / extended XYZ', extensions: ['xyz', 'extxyz', 'gz', 'bz2'] },
  { name: 'HOOMD GSD', extensions: ['gsd'] },
  { name: 'DCD', extensions: ['dcd'] },
  { name: 'XTC', extensions: ['xtc'] },
  { name: 'All files', extensions: ['*'] },
];

/** Options of the dialog; it starts in the folder of `lastFile` when there is one. */
export function openDialogOptions(lastFile: string | null): OpenDialogOptions {
  const options: OpenDialogOptions = { title: 'Open a trajectory', properties: ['openFile'], filters: TRAJECTORY_FILTERS.map((f) => ({ ...f })) };
  if (lastFile) options.defaultPath = dirname(lastFile);
  return options;
}

/** The figure formats the Save dialog offers, the suggested one first. */
export const FIGURE_FILTERS: readonly FileFilter[] = [
  { name: 'PDF (vector)', extensions: ['pdf'] },
  { name: 'SVG (vector)', extensions: ['svg'] },
  { name: 'PNG', extensions: ['png'] },
  { name: 'TIFF', extensions: ['tif', 'tiff'] },
];

/** Options of the figure Save dialog, starting at the suggested path (validated by the caller: absolute, a figure extension). */
export function saveFigureDialogOptions(suggested: string): SaveDialogOptions {
  const ext = suggested.slice(suggested.lastIndexOf('.') + 1).toLowerCase();
  const first = FIGURE_FILTERS.findIndex((f) => f.extensions.includes(ext));
  const filters = first > 0 ? [FIGURE_FILTERS[first]!, ...FIGURE_FILTERS.filter((_, i) => i !== first)] : [...FIGURE_FILTERS];
  return { title: 'Export figure', defaultPath: suggested, filters: filters.map((f) => ({ ...f })), properties: ['createDirectory', 'showOverwriteConfirmation'] };
}

/** The path chosen in a Save dialog, or null when cancelled. */
export function chosenSavePath(r: SaveDialogReturnValue): string | null {
  return !r.canceled && typeof r.filePath === 'string' && r.filePath.length > 0 ? r.filePath : null;
}

/** The chosen file's absolute path, or null when the dialog was cancelled. */
export function chosenPath(r: OpenDialogReturnValue): string | null {
  const p = r.canceled ? undefined : r.filePaths[0];
  return typeof p === 'string' && p.length > 0 ? p : null;
}
