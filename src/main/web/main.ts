// `npm run web`: start the web host and print its address (with the access token).
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startWebHost } from './server.js';

function usage(): never {
  console.error('usage: npm run web -- [--port N] [--no-open] [--index-dir DIR]');
  process.exit(2);
}

function openBrowser(url: string): void {
  const cmd = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'cmd' : 'xdg-open';
  const args = process.platform === 'win32' ? ['/c', 'start', '', url] : [url];
  try {
    const child = spawn(cmd, args, { stdio: 'ignore', detached: true });
    child.on('error', () => undefined);
    child.unref();
  } catch {
    // No browser to open: the printed address is enough.
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  let port = 0;
  let open = true;
  let indexDir: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--port') {
      port = Number(args[++i]);
      if (!Number.isInteger(port) || port < 0 || port > 65535) usage();
    } else if (a.startsWith('--port=')) {
      port = Number(a.slice(7));
      if (!Number.isInteger(port) || port < 0 || port > 65535) usage();
    } else if (a === '--no-open') open = false;
    else if (a === '--index-dir') indexDir = args[++i];
    else usage();
  }
  const staticDir = fileURLToPath(new URL('../../../out/renderer', import.meta.url));
  const host = await startWebHost({ port, staticDir, indexDir });
  console.log(`Avalanche Workbench at ${host.url}`);
  if (open) openBrowser(host.url);
  const stop = (): void => {
    void host.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((e: unknown) => {
  console.error(`avw web: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
