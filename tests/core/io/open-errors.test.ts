// One clear line for every way a path can fail to open (the permission case cannot be produced as root,
// so the mapping from the system error is checked directly too).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { openReader } from '../../../src/core/io/open.js';
import { openError } from '../../../src/core/io/source-util.js';

const dir = mkdtempSync(join(tmpdir(), 'avw-open-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('names the file and the reason', () => {
  expect(() => openReader(join(dir, 'missing.gsd'))).toThrow(/missing\.gsd: no such file$/);
  expect(() => openReader(dir)).toThrow(/is a directory, not a trajectory file$/);
  const err = (code: string) => Object.assign(new Error(code), { code });
  expect(openError('/data/run.gsd', err('EACCES')).message).toBe('/data/run.gsd: permission denied (cannot open the file for reading)');
  expect(openError('/data/run.gsd', err('EPERM')).message).toMatch(/permission denied/);
  expect(openError('/data/x/run.gsd', err('ENOTDIR')).message).toMatch(/no such file \(a part of the path is not a directory\)/);
  expect(openError('/data/run.gsd', err('EIO')).message).toBe('/data/run.gsd: cannot open the file (EIO)');
});
