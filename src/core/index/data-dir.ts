// Where the trajectory index lives: the user's data directory, never beside the trajectories.
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';

export const INDEX_FILE_NAME = 'index.sqlite';
export const INDEX_DIR_ENV = 'AVW_INDEX_DIR';

type Env = Record<string, string | undefined>;

/** The platform's per-user data directory for Avalanche Workbench. */
export function platformDataDir(
  platform: NodeJS.Platform = process.platform,
  env: Env = process.env,
  home: string = homedir(),
): string {
  if (platform === 'darwin') return join(home, 'Library', 'Application Support', 'Avalanche Workbench');
  if (platform === 'win32') {
    const appData = env.APPDATA && env.APPDATA.length > 0 ? env.APPDATA : join(home, 'AppData', 'Roaming');
    return join(appData, 'Avalanche Workbench');
  }
  // Linux and other Unixes: XDG base directories (a relative XDG_DATA_HOME is invalid and ignored).
  const xdg = env.XDG_DATA_HOME;
  const base = xdg && isAbsolute(xdg) ? xdg : join(home, '.local', 'share');
  return join(base, 'avalanche-workbench');
}

/** The index directory: an explicit option (the CLI's `--index-dir`) first, then `AVW_INDEX_DIR`, else the platform data directory. */
export function resolveIndexDir(indexDir?: string | null, env: Env = process.env): string {
  if (indexDir) return resolve(indexDir);
  const fromEnv = env[INDEX_DIR_ENV];
  if (fromEnv) return resolve(fromEnv);
  return platformDataDir(process.platform, env);
}

/** The index database file inside an index directory. */
export function indexDbPath(indexDir?: string | null, env: Env = process.env): string {
  return join(resolveIndexDir(indexDir, env), INDEX_FILE_NAME);
}
