import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { indexDbPath, platformDataDir, resolveIndexDir } from '../../../src/core/index/data-dir.js';
import { IndexDb } from '../../../src/core/index/index-db.js';
import { tmpDir } from './helpers.js';

describe('index location', () => {
  it('uses the platform data directory', () => {
    expect(platformDataDir('linux', {}, '/home/ann')).toBe('/home/ann/.local/share/avalanche-workbench');
    expect(platformDataDir('linux', { XDG_DATA_HOME: '/data/xdg' }, '/home/ann')).toBe('/data/xdg/avalanche-workbench');
    expect(platformDataDir('linux', { XDG_DATA_HOME: 'relative/ignored' }, '/home/ann')).toBe('/home/ann/.local/share/avalanche-workbench');
    expect(platformDataDir('darwin', {}, '/Users/ann')).toBe('/Users/ann/Library/Application Support/Avalanche Workbench');
    expect(platformDataDir('win32', { APPDATA: 'C:\\Users\\ann\\AppData\\Roaming' }, 'C:\\Users\\ann'))
      .toBe(join('C:\\Users\\ann\\AppData\\Roaming', 'Avalanche Workbench'));
  });

  it('prefers an explicit directory, then AVW_INDEX_DIR', () => {
    expect(resolveIndexDir('/tmp/explicit', { AVW_INDEX_DIR: '/tmp/env' })).toBe('/tmp/explicit');
    expect(resolveIndexDir(undefined, { AVW_INDEX_DIR: '/tmp/env' })).toBe('/tmp/env');
    expect(resolveIndexDir(undefined, { XDG_DATA_HOME: '/x' })).toBe(process.platform === 'linux' ? '/x/avalanche-workbench' : platformDataDir(process.platform, { XDG_DATA_HOME: '/x' }));
    expect(indexDbPath('/tmp/explicit')).toBe('/tmp/explicit/index.sqlite');
  });

  it('opens the index in AVW_INDEX_DIR when no directory is given', () => {
    const dir = join(tmpDir(), 'nested', 'index');
    const saved = process.env.AVW_INDEX_DIR;
    process.env.AVW_INDEX_DIR = dir;
    try {
      const db = IndexDb.open();
      expect(db.file).toBe(join(dir, 'index.sqlite'));
      db.close();
      expect(existsSync(join(dir, 'index.sqlite'))).toBe(true);
    } finally {
      if (saved === undefined) delete process.env.AVW_INDEX_DIR;
      else process.env.AVW_INDEX_DIR = saved;
    }
  });
});
