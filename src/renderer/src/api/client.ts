// The renderer's one way to the backend: Electron's preload API when present, else the web host's WebSocket.
// Requests are {id, method, params} -> {id, result} | {id, error}; a message with `event` and no `id` is an
// ApiEvent pushed by the backend (job progress, indexing progress), delivered to `onEvent` listeners.
import { API_METHODS, type Api, type ApiEvent, type ApiMethod } from '#shared/api.js';
import { decodeMessage, encodeMessage } from '#shared/wire.js';

interface Pending { resolve: (v: unknown) => void; reject: (e: Error) => void }

type EventListener = (event: ApiEvent) => void;
const listeners = new Set<EventListener>();

function dispatch(event: ApiEvent): void {
  for (const l of listeners) {
    try {
      l(event);
    } catch (e) {
      console.error('event listener failed', e);
    }
  }
}

/** Is this decoded message a pushed event ({event, data} without an id)? */
export function isApiEvent(msg: unknown): msg is ApiEvent {
  if (typeof msg !== 'object' || msg === null) return false;
  const m = msg as Record<string, unknown>;
  return m.id === undefined && typeof m.event === 'string' && 'data' in m;
}

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
        let msg: unknown;
        try {
          // The socket's buffer is ours: arrays are views into it, not copies.
          msg = decodeMessage(new Uint8Array(ev.data), { views: true });
        } catch (e) {
          console.error('malformed message from the backend', e);
          return;
        }
        if (isApiEvent(msg)) {
          dispatch(msg);
          return;
        }
        const m = msg as { id: number; result?: unknown; error?: string };
        const p = pending.get(m.id);
        if (!p) return;
        pending.delete(m.id);
        if (m.error !== undefined) p.reject(new Error(m.error));
        else p.resolve(m.result);
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
  // Events arrive on the same socket: connect early so that progress is not missed.
  void connect().catch(() => undefined);
  return Object.fromEntries(API_METHODS.map((m) => [m, (p: unknown) => call(m, p)])) as unknown as Api;
}

/** The host: 'electron' when the preload API is there, else 'web'. */
export const host: 'electron' | 'web' = window.avw ? 'electron' : 'web';

export const api: Api = window.avw ?? webSocketApi();

/** The absolute path of a picked or dropped File: known in Electron (through the preload), never in a browser. */
export function pathForFile(file: File): string | null {
  const bridge = window.avw as { pathForFile?: (f: File) => string } | undefined;
  if (!bridge || typeof bridge.pathForFile !== 'function') return null;
  try {
    const p = bridge.pathForFile(file);
    return p ? p : null;
  } catch {
    return null;
  }
}

/** Electron: show the native Open dialog (the chosen path, or null when cancelled); undefined in a browser. */
export function chooseTrajectoryFile(): Promise<string | null> | undefined {
  const bridge = window.avw as { chooseTrajectoryFile?: () => Promise<string | null> } | undefined;
  return bridge && typeof bridge.chooseTrajectoryFile === 'function' ? bridge.chooseTrajectoryFile() : undefined;
}

/** Electron: show the native Save dialog for a figure (the chosen path, or null when cancelled); undefined in a browser. */
export function chooseFigurePath(suggested: string): Promise<string | null> | undefined {
  const bridge = window.avw as { chooseFigurePath?: (s: string) => Promise<string | null> } | undefined;
  return bridge && typeof bridge.chooseFigurePath === 'function' ? bridge.chooseFigurePath(suggested) : undefined;
}

let electronHooked = false;

/** Listen to pushed events (job progress, indexing progress); returns the function that stops listening. */
export function onEvent(listener: EventListener): () => void {
  listeners.add(listener);
  const bridge = window.avw as (Api & { onEvent?: (cb: (e: ApiEvent) => void) => unknown }) | undefined;
  if (bridge && !electronHooked && typeof bridge.onEvent === 'function') {
    electronHooked = true;
    bridge.onEvent((e) => dispatch(e));
  }
  return () => listeners.delete(listener);
}
