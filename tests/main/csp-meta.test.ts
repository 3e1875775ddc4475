// The renderer's index.html carries the workbench's Content-Security-Policy in a meta tag (the Electron window loads it
// from file://, where no header can), and it is the policy of src/main/web/security.ts, not a second one drifting apart.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY_META } from '../../src/main/web/security.js';

it('index.html declares the content security policy of security.ts', () => {
  const html = readFileSync(join(import.meta.dirname, '../../src/renderer/index.html'), 'utf8');
  const metas = [...html.matchAll(/<meta http-equiv="Content-Security-Policy" content="([^"]*)"/g)].map((m) => m[1]);
  expect(metas).toEqual([CONTENT_SECURITY_POLICY_META]);
  expect(CONTENT_SECURITY_POLICY_META).toBe(CONTENT_SECURITY_POLICY.replace("; frame-ancestors 'none'", ''));
  expect(CONTENT_SECURITY_POLICY_META).toMatch(/default-src 'self'.*script-src 'self'.*object-src 'none'/);
});
