// The renderer's one way to the backend: Electron's preload API when present, else the web host's WebSocket.
import { API_METHODS, type Api, type ApiMethod } from '../../../shared/api';
import { decodeMessage, encodeMessage } from '../../../shared/wire';

interface Pending { resolve: (v: unknown) => void; reject: (e: Error) => void }

function webSocketApi(): Api {
  const token = new URLSearchParams(location.search).get('token') ?? '';
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  let socket: WebSocket | null = null;
  let ready: Promise<WebSocket> | null = null;
  let nextId = 1;
  const pending = new Map<number, Pending>();

  function connect(): Promise<WebSocket> {
    if (ready) return ready;
    ready = new Promise((resolve, reject) => {
      const ws = new WebSocket(`${scheme}://${location.host}/api?token=${encodeURIComponent(token)}`);
      ws.binaryType = 'arraybuffer';
      ws.onopen = () => {
        socket = ws;
        resolve(ws);
      };
      ws.onerror = () => reject(new Error('cannot reach the workbench backend'));
      ws.onclose = () => {
        for (const p of pending.values()) p.reject(new Error('connection to the backend closed'));
        pending.clear();
        socket = null;
        ready = null;
      };
      ws.onmessage = (ev: MessageEvent<ArrayBuffer>) => {
        const msg = decodeMessage(new Uint8Array(ev.data)) as { id: number; result?: unknown; error?: string };
        const p = pending.get(msg.id);
        if (!p) return;
        pending.delete(msg.id);
        if (msg.error !== undefined) p.reject(new Error(msg.error));
        else p.resolve(msg.result);
      };
    });
    return ready;
  }

  const call = async (method: ApiMethod, params: unknown): Promise<unknown> => {
    const ws = socket ?? (await connect());
    const id = nextId++;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      ws.send(encodeMessage({ id, method, params }));
    });
  };
  return Object.fromEntries(API_METHODS.map((m) => [m, (p: unknown) => call(m, p)])) as unknown as Api;
}

export const api: Api = window.avw ?? webSocketApi();
