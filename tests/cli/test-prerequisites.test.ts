// A fresh machine: `npm test` first checks for Chromium and poppler (scripts/test-prerequisites.mjs) and installs them
// from the system's packages when it may, else stops at once with one line naming what to install.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const script = join(import.meta.dirname, '../../scripts/test-prerequisites.mjs');
const dir = mkdtempSync(join(tmpdir(), 'avw-prereq-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function tool(at: string, name: string, body = 'exit 0'): void {
  mkdirSync(at, { recursive: true });
  writeFileSync(join(at, name), `#!/bin/sh\n${body}\n`);
  chmodSync(join(at, name), 0o755);
}

function check(env: Record<string, string>): { status: number | null; stdout: string; stderr: string; ms: number } {
  const started = performance.now();
  const r = spawnSync(process.execPath, [script], { encoding: 'utf8', env: { HOME: dir, ...env } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, ms: performance.now() - started };
}

describe('npm test prerequisites', () => {
  it('stops at once with one line naming Chromium and poppler-utils when they are missing and cannot be installed', () => {
    const empty = join(dir, 'empty');
    mkdirSync(empty);
    const r = check({ PATH: empty, AVW_CHROMIUM: join(dir, 'no-chromium'), AVW_NO_INSTALL: '1' });
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^npm test: missing Chromium at \$AVW_CHROMIUM \(.*no-chromium\) and poppler's pdftoppm and pdffonts, needed by the browser and figure tests: sudo apt-get install chromium poppler-utils \(or set AVW_CHROMIUM to a Chromium binary\)\n$/);
    expect(r.ms).toBeLessThan(5000);
  });

  it('names only what is missing', () => {
    const bin = join(dir, 'half');
    tool(bin, 'pdftoppm');
    tool(bin, 'chromium');
    const r = check({ PATH: bin, AVW_CHROMIUM: join(bin, 'chromium'), AVW_NO_INSTALL: '1' });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe("npm test: missing poppler's pdffonts, needed by the browser and figure tests: sudo apt-get install poppler-utils\n");
  });

  it('passes quietly when everything is there', () => {
    const bin = join(dir, 'all');
    for (const t of ['pdftoppm', 'pdffonts', 'chromium']) tool(bin, t);
    expect(check({ PATH: bin, AVW_CHROMIUM: join(bin, 'chromium') })).toMatchObject({ status: 0, stdout: '', stderr: '' });
  });

  it.runIf(process.getuid?.() === 0)('as root with apt-get: installs the missing packages, then goes on', () => {
    const bin = join(dir, 'apt');
    // A stand-in apt-get that "installs" by creating the tools, and records what it was asked.
    tool(bin, 'apt-get', `echo "$@" >> ${join(dir, 'apt.log')}\ncase "$1" in install) for t in pdftoppm pdffonts chromium; do printf '#!/bin/sh\\n' > ${bin}/$t; /bin/chmod +x ${bin}/$t; done;; esac`);
    const r = check({ PATH: bin, AVW_CHROMIUM: join(bin, 'chromium') });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe("npm test: installing from the system's packages: chromium poppler-utils\n");
    expect(r.status).toBe(0);
    expect(spawnSync('cat', [join(dir, 'apt.log')], { encoding: 'utf8' }).stdout).toBe('update -qq\ninstall -y -qq chromium poppler-utils\n');
  });
});
