// The preload exposes the typed API and nothing else: one `invoke` per method over a single IPC channel, the
// backend's events through `onEvent`, the native Open dialog, and the path of a dropped file (the sandboxed renderer
// cannot see paths). Arguments are validated again in the main process; the renderer never gets ipcRenderer itself.
import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron';
import { API_METHODS, IPC_CHANNELS, type Api, type ApiEvent, type ApiMethod } from '#shared/api.js';

type Reply = { ok: true; result: unknown } | { ok: false; error: string };

async function invoke(channel: string, ...args: unknown[]): Promise<unknown> {
  const reply = (await ipcRenderer.invoke(channel, ...args)) as Reply;
  if (!reply.ok) throw new Error(reply.error);
  return reply.result;
}

function call(method: ApiMethod, params: unknown): Promise<unknown> {
  return invoke(IPC_CHANNELS.api, method, params);
}

const api = Object.fromEntries(API_METHODS.map((method) => [method, (params: unknown) => call(method, params)])) as unknown as Api;

export interface DesktopBridge extends Api {
  /** Listen to the backend's events (jobs, indexing progress); returns the function that stops listening. */
  onEvent(listener: (event: ApiEvent) => void): () => void;
  /** The absolute path of a File from a file input or a drop (Electron only). */
  pathForFile(file: File): string;
  /** Show the native Open dialog; the chosen trajectory's absolute path, or null when cancelled. */
  chooseTrajectoryFile(): Promise<string | null>;
  /** Show the native Save dialog for a figure, starting at `suggested`; the chosen path, or null when cancelled. */
  chooseFigurePath(suggested: string): Promise<string | null>;
}

const bridge: DesktopBridge = {
  ...api,
  onEvent(listener) {
    if (typeof listener !== 'function') throw new TypeError('onEvent: the listener must be a function');
    const handler = (_e: IpcRendererEvent, event: ApiEvent): void => listener(event);
    ipcRenderer.on(IPC_CHANNELS.event, handler);
    return () => {
      ipcRenderer.removeListener(IPC_CHANNELS.event, handler);
    };
  },
  pathForFile(file) {
    return webUtils.getPathForFile(file);
  },
  async chooseTrajectoryFile() {
    const path = await invoke(IPC_CHANNELS.chooseFile);
    return typeof path === 'string' ? path : null;
  },
  async chooseFigurePath(suggested) {
    if (typeof suggested !== 'string') throw new TypeError('chooseFigurePath: the suggested path must be text');
    const path = await invoke(IPC_CHANNELS.chooseFigurePath, suggested);
    return typeof path === 'string' ? path : null;
  },
};

contextBridge.exposeInMainWorld('avw', bridge);
