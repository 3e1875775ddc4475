// The preload exposes the typed API and nothing else: one `invoke` per method over a single IPC channel.
// Arguments are validated again in the main process; the renderer never gets ipcRenderer itself.
import { contextBridge, ipcRenderer } from 'electron';
import { API_METHODS, type Api, type ApiMethod } from '../shared/api.js';

const api = Object.fromEntries(
  API_METHODS.map((method: ApiMethod) => [method, (params: unknown) => ipcRenderer.invoke('avw:api', method, params)]),
) as unknown as Api;

contextBridge.exposeInMainWorld('avw', api);
