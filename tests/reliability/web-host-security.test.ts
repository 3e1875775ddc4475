// The web host refuses everyone but the page it printed: a request without the token, with a wrong one, under another
// Host name (DNS rebinding), a WebSocket without the token, with a wrong one, from another Origin or on another path;
// and it listens on the loopback address 127.0.0.1 only (not on the machine's other addresses, nor on IPv6's ::1).
import { request } from 'node:http';
import { networkInterfaces } from 'node:os';
import { connect } from 'node:net';
import { join } from 'node:path';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { startWebHost, type WebHost } from '../../src/main/web/server.js';
import { report, tmpDir } from './util.js';

const root = tmpDir('avw-websec-');
let host: WebHost;
let refused = 0, admitted = 0;
const started = performance.now();

beforeAll(async () => {
  host = await startWebHost({ port: 0, staticDir: join(root, 'static'), indexDir: join(root, 'index'), appRoot: join(root, 'app') });
});
afterAll(async () => {
  await host.close();
  rmSync(root, { recursive: true, force: true });
  report('web host', { 'requests refused': refused, 'requests admitted': admitted }, started);
});

function get(path: string, headers: Record<string, string> = {}, address = '127.0.0.1'): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((ok, fail) => {
    const req = request({ host: address, port: host.port, path, headers }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => ok({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', fail);
    req.end();
  });
}

/** The status of a WebSocket upgrade: 101 when it opens, else the HTTP status it was answered with. */
function upgrade(path: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((ok) => {
    const ws = new WebSocket(`ws://127.0.0.1:${host.port}${path}`, { headers });
    ws.once('open', () => {
      ws.close();
      ok(101);
    });
    ws.once('unexpected-response', (_req, res) => ok(res.statusCode ?? 0));
    ws.once('error', () => ok(-1));
  });
}

const ours = () => `http://127.0.0.1:${host.port}`;

describe('web host: token, Host and Origin', () => {
  it('HTTP: no token, a wrong token or another Host name is refused; the token once, then its cookie, admitted', async () => {
    for (const [path, headers] of [
      ['/', {}],
      ['/index.html', {}],
      [`/?token=${host.token}x`, {}],
      ['/?token=', {}],
      [`/?token=${host.token.slice(0, -1)}`, {}],
      ['/', { Cookie: 'avw_token=wrong' }],
      [`/?token=${host.token}`, { Host: `evil.example:${host.port}` }],
      [`/?token=${host.token}`, { Host: `127.0.0.1:${host.port + 1}` }],
    ] as [string, Record<string, string>][]) {
      const r = await get(path, headers);
      expect(r.status, `${path} ${JSON.stringify(headers)}`).toBeGreaterThanOrEqual(400);
      expect(r.body).not.toMatch(/<html/i);
      refused++;
    }
    const first = await get(`/?token=${host.token}`);
    expect(first.status).toBe(200);
    const cookie = String(first.headers['set-cookie']);
    expect(cookie).toMatch(/^avw_token=[\w-]+; HttpOnly; SameSite=Strict; Path=\/$/);
    expect((await get('/', { Cookie: cookie.split(';')[0] })).status).toBe(200);
    expect((await get('/', { Cookie: cookie.split(';')[0], Host: `localhost:${host.port}` })).status).toBe(200);
    admitted += 3;
  });

  it('WebSocket: no token, a wrong token, another Origin, another Host or another path is refused', async () => {
    const cases: [string, Record<string, string>][] = [
      ['/api', { Origin: ours() }],
      [`/api?token=wrong`, { Origin: ours() }],
      [`/api?token=${host.token}`, { Origin: 'http://evil.example' }],
      [`/api?token=${host.token}`, { Origin: 'null' }],
      [`/api?token=${host.token}`, { Origin: `http://127.0.0.1:${host.port + 1}` }],
      [`/api?token=${host.token}`, { Origin: `http://127.0.0.1.evil.example:${host.port}` }],
      [`/api?token=${host.token}`, { Origin: `https://127.0.0.1:${host.port}` }],
      [`/api?token=${host.token}`, { Origin: ours(), Host: `evil.example:${host.port}` }],
      [`/other?token=${host.token}`, { Origin: ours() }],
      ['/api', { Origin: ours(), Cookie: 'avw_token=wrong' }],
    ];
    for (const [path, headers] of cases) {
      expect(await upgrade(path, headers), `${path} ${JSON.stringify(headers)}`).toBe(403);
      refused++;
    }
    expect(await upgrade(`/api?token=${host.token}`, { Origin: ours() })).toBe(101);
    expect(await upgrade('/api', { Origin: `http://localhost:${host.port}`, Cookie: `avw_token=${host.token}` })).toBe(101);
    admitted += 2;
  });

  it('listens on 127.0.0.1 only', async () => {
    expect(host.server.address()).toMatchObject({ address: '127.0.0.1', family: 'IPv4' });
    const others = Object.values(networkInterfaces()).flat()
      .filter((a) => a && a.address !== '127.0.0.1')
      .map((a) => a!.address);
    others.push('::1');
    for (const address of new Set(others)) {
      const outcome = await new Promise<string>((ok) => {
        const s = connect({ host: address, port: host.port }, () => {
          s.destroy();
          ok('connected');
        });
        s.once('error', (e: NodeJS.ErrnoException) => ok(e.code ?? 'error'));
        s.setTimeout(2000, () => {
          s.destroy();
          ok('timeout');
        });
      });
      expect(outcome, address).not.toBe('connected');
      refused++;
    }
  });
});
