// Electron's avw for a study's runs: Electron's own binary run as Node (ELECTRON_RUN_AS_NODE=1) with the built CLI of
// the application (dist/cli/main.js), so that a study runs from the desktop app without a separate Node.
import { join } from 'node:path';
import type { AvwCommand } from '../service/studies.js';

export function electronAvwCommand(appRoot: string): AvwCommand {
  return { command: [process.execPath, join(appRoot, 'dist', 'cli', 'main.js')], env: { ELECTRON_RUN_AS_NODE: '1' } };
}
