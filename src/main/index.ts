// Electron main process: windows, the single validated IPC channel, and the service. Kept thin: every
// feature lives in the transport-agnostic service (src/main/service) that the web host serves too.
import { join } from 'node:path';
import { app, BrowserWindow, ipcMain, session } from 'electron';
import { validateRequest } from '../shared/api.js';
import { WorkbenchService } from './service/service.js';
import { CONTENT_SECURITY_POLICY } from './web/security.js';

let service: WorkbenchService | null = null;

function createWindow(): BrowserWindow {
  const win = new BrowserWindow({
    width: 1400,
    height: 900,
    title: 'Avalanche Workbench',
    webPreferences: {
      preload: join(import.meta.dirname, '../preload/index.cjs'),
      contextIsolation: true,
      nodeIntegration: false,
      sandbox: true,
      webSecurity: true,
    },
  });
  // No navigation away from the app and no new windows.
  win.webContents.on('will-navigate', (event) => event.preventDefault());
  win.webContents.setWindowOpenHandler(() => ({ action: 'deny' }));
  const devUrl = process.env.ELECTRON_RENDERER_URL;
  if (!app.isPackaged && devUrl) void win.loadURL(devUrl);
  else void win.loadFile(join(import.meta.dirname, '../renderer/index.html'));
  return win;
}

void app.whenReady().then(() => {
  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] } });
  });
  service = new WorkbenchService({ host: 'electron' });
  ipcMain.handle('avw:api', (event, method: unknown, params: unknown) => {
    // Only our own window's frames may call; every argument is validated before the service sees it.
    if (event.senderFrame === null || BrowserWindow.fromWebContents(event.sender) === null) throw new Error('unknown sender');
    const request = validateRequest(method, params);
    return service!.call(request.method, request.params as never);
  });
  createWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow();
  });
});

app.on('window-all-closed', () => {
  service?.close();
  service = null;
  if (process.platform !== 'darwin') app.quit();
});
