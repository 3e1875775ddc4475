// Electron main process: windows, the validated IPC channels (the API, the native Open dialog), events to the
// renderer, and the service. Kept thin: every feature lives in the transport-agnostic service (src/main/service) that the web host serves too, and
// everything CPU-heavy there runs as a job in a worker, never on this thread.
import { realpathSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, BrowserWindow, dialog, ipcMain, session, type IpcMainInvokeEvent } from 'electron';
import { IPC_CHANNELS, type ApiEvent } from '#shared/api.js';
import { validateRequest } from '#shared/api-validate.js';
import { chosenPath, chosenSavePath, openDialogOptions, saveFigureDialogOptions } from './electron/open-dialog.js';
import { WorkbenchService } from './service/service.js';
import { runInUtilityProcess, spawnPoolUtilityProcess } from './electron/utility-runner.js';
import { electronAvwCommand } from './electron/avw-command.js';
import { CONTENT_SECURITY_POLICY } from './web/security.js';

const RENDERER_INDEX = join(import.meta.dirname, '../renderer/index.html');
const DEV_URL = !app.isPackaged ? process.env.ELECTRON_RENDERER_URL : undefined;

let service: WorkbenchService | null = null;
/** webContents ids of our own windows: the only senders whose requests are served. */
const ourContents = new Set<number>();

/** A file named on the command line (`npm start -- FILE`), absolute; the renderer opens it as it does `?file=`. */
function fileArgument(): string | null {
  const args = process.argv.slice(app.isPackaged ? 1 : 2).filter((a) => !a.startsWith('-'));
  if (args.length === 0) return null;
  const abs = resolve(process.cwd(), args[0]);
  try {
    return realpathSync(abs);
  } catch {
    return abs; // the renderer reports the missing file like any other
  }
}

/** The renderer document: our index.html (or the dev server's origin in `npm run dev`), nothing else. */
function isOurRenderer(url: string): boolean {
  try {
    const u = new URL(url);
    if (DEV_URL) return u.origin === new URL(DEV_URL).origin;
    return u.protocol === 'file:' && fileURLToPath(u) === RENDERER_INDEX;
  } catch {
    return false;
  }
}

/** Only the top frame of our own windows, showing our renderer, may call the API. */
function checkSender(event: IpcMainInvokeEvent): void {
  const frame = event.senderFrame;
  if (!frame || frame.parent !== null || !ourContents.has(event.sender.id) || !isOurRenderer(frame.url)) {
    throw new Error('avw: request from an unknown sender refused');
  }
}

function createWindow(file: string | null): BrowserWindow {
  // Audited with electronegativity (`npm run lint`, scripts/electron-audit.mjs); what it reports here is argued:
  // PRELOAD_JS_CHECK: the preload is ours and sandboxed; it hands the page only the typed API (one invoke per method
  // over one channel, every request validated again in this process, senders checked) and never ipcRenderer itself.
  const win = new BrowserWindow({
    width: 1400,
    height: 900,
    title: 'Avalanche Workbench',
    webPreferences: {
      preload: join(import.meta.dirname, '../preload/index.cjs'), // eng-disable PRELOAD_JS_CHECK -- see above
      contextIsolation: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      sandbox: true,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      // No middle-click (auxclick) navigation into new windows (besides setWindowOpenHandler denying every one).
      disableBlinkFeatures: 'Auxclick',
    },
  });
  const id = win.webContents.id;
  ourContents.add(id);
  win.on('closed', () => ourContents.delete(id));
  // No navigation away from the app, no new windows, no webviews.
  win.webContents.on('will-navigate', (event) => event.preventDefault());
  win.webContents.on('will-attach-webview', (event) => event.preventDefault());
  win.webContents.setWindowOpenHandler(() => ({ action: 'deny' }));
  if (DEV_URL) {
    const url = new URL(DEV_URL);
    if (file) url.searchParams.set('file', file);
    void win.loadURL(url.toString());
  } else {
    void win.loadFile(RENDERER_INDEX, file ? { query: { file } } : {});
  }
  return win;
}

function broadcast(event: ApiEvent): void {
  for (const win of BrowserWindow.getAllWindows()) {
    if (!win.isDestroyed() && ourContents.has(win.webContents.id)) win.webContents.send(IPC_CHANNELS.event, event);
  }
}

void app.whenReady().then(() => {
  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    // CSP_GLOBAL_CHECK cannot read a policy held in a constant: it is security.ts's, the one the audit does evaluate in
    // the renderer's index.html (tests/main/csp-meta.test.ts), where Electron's file:// page gets it from.
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] } }); // eng-disable CSP_GLOBAL_CHECK -- see above
  });
  // The workbench needs no camera, notifications, geolocation, ...
  session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  // Heavy work runs in utility processes: indexing, simulations and figures one per job; fields, series and
  // detection in the analysis pool's persistent ones.
  service = new WorkbenchService({
    host: 'electron', appRoot: app.getAppPath(), runJob: runInUtilityProcess, spawnPoolChild: spawnPoolUtilityProcess,
    // A study's runs are processes of their own (`avw study exec`): Electron's binary as Node with the built CLI.
    avw: electronAvwCommand(app.getAppPath()),
  });
  service.onEvent(broadcast);
  ipcMain.handle(IPC_CHANNELS.api, async (event, method: unknown, params: unknown) => {
    // Replies are {ok, result} or {ok: false, error}: the preload turns the latter into an Error with our message.
    try {
      checkSender(event);
      const request = validateRequest(method, params);
      if (!service) throw new Error('the workbench is shutting down');
      return { ok: true, result: await service.call(request.method, request.params as never) };
    } catch (e) {
      return { ok: false, error: e instanceof Error ? e.message : String(e) };
    }
  });
  ipcMain.handle(IPC_CHANNELS.chooseFile, async (event, ...args: unknown[]) => {
    try {
      checkSender(event);
      if (args.length > 0) throw new Error('avw: the Open dialog takes no arguments');
      const win = BrowserWindow.fromWebContents(event.sender);
      if (!win || !service) throw new Error('the workbench is shutting down');
      const options = openDialogOptions((await service.recentFiles()).paths[0] ?? null);
      return { ok: true, result: chosenPath(await dialog.showOpenDialog(win, options)) };
    } catch (e) {
      return { ok: false, error: e instanceof Error ? e.message : String(e) };
    }
  });
  ipcMain.handle(IPC_CHANNELS.chooseFigurePath, async (event, ...args: unknown[]) => {
    try {
      checkSender(event);
      const [suggested] = args;
      if (args.length !== 1 || typeof suggested !== 'string' || !isAbsolute(suggested) || !/\.(pdf|svg|png|tiff?)$/i.test(suggested)) {
        throw new Error('avw: the Save dialog takes one absolute figure path (.pdf, .svg, .png, .tif, .tiff)');
      }
      const win = BrowserWindow.fromWebContents(event.sender);
      if (!win) throw new Error('the workbench is shutting down');
      return { ok: true, result: chosenSavePath(await dialog.showSaveDialog(win, saveFigureDialogOptions(suggested))) };
    } catch (e) {
      return { ok: false, error: e instanceof Error ? e.message : String(e) };
    }
  });
  const file = fileArgument();
  createWindow(file);
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow(null);
  });
});

app.on('web-contents-created', (_event, contents) => {
  contents.on('will-navigate', (event) => event.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
});

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});

app.on('will-quit', () => {
  service?.close();
  service = null;
});
