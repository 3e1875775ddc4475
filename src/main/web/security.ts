// Security settings shared by the Electron window and the web host.
import { timingSafeEqual, randomBytes } from 'node:crypto';

/** Strict CSP: only our own scripts and styles, connections to ourselves (the web host's WebSocket). */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * The same policy for a `<meta http-equiv>` tag in the renderer's index.html: Electron loads the renderer from file://,
 * where no response header (and so no webRequest hook) delivers a policy. Browsers ignore frame-ancestors in a meta
 * tag (and warn), so it is left out there; the header keeps it.
 */
export const CONTENT_SECURITY_POLICY_META = CONTENT_SECURITY_POLICY.split('; ').filter((d) => !d.startsWith('frame-ancestors')).join('; ');

export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

export function tokensEqual(given: string | null | undefined, expected: string): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
