// The web host: the same workbench in a browser. Serves the renderer bundle and the service over a
// WebSocket, on 127.0.0.1 only, behind a random token (query parameter once, then an HttpOnly cookie),
// with the Origin of every WebSocket checked against our own address and the Host of every request too (a page whose
// name was rebound to 127.0.0.1, DNS rebinding, is refused before the token is even looked at). Responses and pushed events share the
// socket: {id, result} / {id, error} answer a request, {event, data} is an ApiEvent (a job's progress, indexing).
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { WebSocket, WebSocketServer } from 'ws';
import { ApiValidationError, validateRequest } from '#shared/api-validate.js';
import { decodeMessage, encodeMessage } from '#shared/wire.js';
import { packageRoot, WorkbenchService, type ServiceOptions } from '../service/service.js';
import { CONTENT_SECURITY_POLICY, newToken, tokensEqual } from './security.js';

export interface WebHostOptions {
  port?: number;
  token?: string;
  /** The built renderer (out/renderer); a placeholder page is served when it is missing. */
  staticDir: string;
  indexDir?: string;
  /** The package root (resources/demo lives there); default: found above this module. */
  appRoot?: string;
  /** Service options for tests (job runner, simulation mapping, progress interval). */
  service?: Omit<ServiceOptions, 'host' | 'indexDir' | 'appRoot'>;
}

export interface WebHost {
  url: string;
  port: number;
  token: string;
  server: Server;
  service: WorkbenchService;
  close(): Promise<void>;
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.ico': 'image/x-icon',
};

const PLACEHOLDER = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Avalanche Workbench</title></head>
<body><main><h1>Avalanche Workbench</h1><p>The renderer is not built yet: run <code>npm run build</code>.</p></main></body></html>`;

function cookieToken(req: IncomingMessage): string | null {
  const header = req.headers.cookie ?? '';
  for (const part of header.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === 'avw_token') return v.join('=');
  }
  return null;
}

function securityHeaders(res: ServerResponse): void {
  res.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  res.setHeader('Cache-Control', 'no-store');
}

export async function startWebHost(options: WebHostOptions): Promise<WebHost> {
  const token = options.token ?? newToken();
  const staticDir = resolve(options.staticDir);
  const service = new WorkbenchService({ ...options.service, host: 'web', indexDir: options.indexDir, appRoot: options.appRoot ?? packageRoot() });
  let port = 0;
  const allowedOrigins = (): string[] => [`http://127.0.0.1:${port}`, `http://localhost:${port}`];
  const allowedHosts = (): string[] => [`127.0.0.1:${port}`, `localhost:${port}`];

  const server = createServer((req, res) => {
    securityHeaders(res);
    if (!allowedHosts().includes(req.headers.host ?? '')) {
      res.writeHead(421, { 'Content-Type': 'text/plain; charset=utf-8' }).end('Misdirected request: this server answers only as 127.0.0.1 or localhost.\n');
      return;
    }
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const given = url.searchParams.get('token') ?? cookieToken(req);
    if (!tokensEqual(given, token)) {
      res.writeHead(403, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('Forbidden: open the address printed by `npm run web`, which carries the access token.\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405).end();
      return;
    }
    if (url.searchParams.has('token')) {
      res.setHeader('Set-Cookie', `avw_token=${token}; HttpOnly; SameSite=Strict; Path=/`);
    }
    let path = decodeURIComponent(url.pathname);
    if (path === '/' || path === '') path = '/index.html';
    const file = normalize(join(staticDir, path));
    if (!file.startsWith(staticDir + sep)) {
      res.writeHead(404).end();
      return;
    }
    if (!existsSync(file) || !statSync(file).isFile()) {
      if (path === '/index.html') {
        res.writeHead(200, { 'Content-Type': MIME['.html'] }).end(PLACEHOLDER);
      } else {
        res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found\n');
      }
      return;
    }
    res.writeHead(200, { 'Content-Type': MIME[extname(file)] ?? 'application/octet-stream' });
    if (req.method === 'HEAD') res.end();
    else createReadStream(file).pipe(res);
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: 16 << 20 });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const origin = req.headers.origin;
    const given = url.searchParams.get('token') ?? cookieToken(req);
    const hostOk = allowedHosts().includes(req.headers.host ?? '');
    if (!hostOk || url.pathname !== '/api' || !tokensEqual(given, token) || (origin !== undefined && !allowedOrigins().includes(origin))) {
      socket.write('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n');
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => serveSocket(ws, service));
  });

  try {
    await new Promise<void>((ok, fail) => {
      server.once('error', fail);
      server.listen(options.port ?? 0, '127.0.0.1', () => ok());
    });
  } catch (e) {
    service.close();
    throw e;
  }
  const address = server.address();
  port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    port,
    token,
    server,
    service,
    close: async () => {
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((ok) => server.close(() => ok()));
      service.close();
    },
  };
}

/** Send one binary-framed message, unless the socket has gone. */
function send(ws: WebSocket, message: unknown): void {
  if (ws.readyState === WebSocket.OPEN) ws.send(encodeMessage(message));
}

/**
 * One request per message: {id, method, params} in, {id, result} or {id, error} out, binary-framed; the service's
 * events go to every connected socket as {event, data}.
 */
function serveSocket(ws: WebSocket, service: WorkbenchService): void {
  const stop = service.onEvent((event) => send(ws, event));
  ws.on('close', stop);
  ws.on('error', stop);
  ws.on('message', async (data, isBinary) => {
    let id: unknown = null;
    try {
      if (!isBinary) throw new ApiValidationError('requests must be binary-framed messages');
      const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
      const message = decodeMessage(bytes) as { id?: unknown; method?: unknown; params?: unknown };
      id = message.id;
      if (typeof id !== 'number') throw new ApiValidationError('request id must be a number');
      const request = validateRequest(message.method, message.params);
      const result = await service.call(request.method, request.params as never);
      send(ws, { id, result });
    } catch (e) {
      send(ws, { id, error: e instanceof Error ? e.message : String(e) });
    }
  });
}
