/**
 * Who may talk to `webuvc serve`.
 *
 * By default the server listens on 127.0.0.1 only. A page on another site can still reach a
 * loopback server through the user's browser (DNS rebinding: a name of the attacker's that
 * resolves to 127.0.0.1), so a loopback server also refuses requests whose `Host` header is not
 * a loopback name. Requests that change the camera must carry JSON (which a cross-site form
 * cannot send without a CORS preflight this server never grants) and, when the browser sends
 * an `Origin`, come from the page's own origin.
 *
 * @packageDocumentation
 */
import { isIP } from 'node:net';

/** The default address to listen on. */
export const DEFAULT_HOST = '127.0.0.1';

/** Names that always mean this machine. */
const LOOPBACK_NAMES = new Set(['localhost', 'localhost.', 'ip6-localhost', 'ip6-loopback']);

/** IPv4 loopback is 127.0.0.0/8 (RFC 1122 §3.2.1.3). */
const IPV4_LOOPBACK_FIRST_OCTET = '127';

/** HTTP statuses of refused changes. */
const REFUSED = { FORBIDDEN: 403, UNSUPPORTED_MEDIA_TYPE: 415 } as const;

/** Strip IPv6 brackets: `[::1]` → `::1`. */
function unbracket(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

/**
 * True when `host` (a name or an address, IPv6 with or without brackets) is this machine's
 * loopback.
 */
export function isLoopbackHost(host: string): boolean {
  const bare = unbracket(host.trim().toLowerCase());
  if (LOOPBACK_NAMES.has(bare) || bare.endsWith('.localhost')) return true;
  switch (isIP(bare)) {
    case 4:
      return bare.split('.')[0] === IPV4_LOOPBACK_FIRST_OCTET;
    case 6:
      return bare === '::1' || bare === '0:0:0:0:0:0:0:1' || /^::ffff:127\./.test(bare);
    default:
      return false;
  }
}

/** The host part of a `Host` header (`[::1]:8080` → `[::1]`, `localhost:80` → `localhost`). */
export function hostOfHeader(header: string): string {
  const value = header.trim();
  if (value.startsWith('[')) {
    const end = value.indexOf(']');
    return end < 0 ? value : value.slice(0, end + 1);
  }
  const colon = value.lastIndexOf(':');
  return colon < 0 ? value : value.slice(0, colon);
}

/**
 * True when a request's `Host` header is acceptable: any when the server listens beyond
 * loopback on purpose, only loopback names otherwise.
 */
export function hostHeaderAllowed(header: string | undefined, loopbackOnly: boolean): boolean {
  if (!loopbackOnly) return true;
  if (header === undefined || header === '') return false;
  return isLoopbackHost(hostOfHeader(header));
}

/**
 * True when a request that changes something may go ahead: JSON content, and an `Origin`
 * (when the browser sent one) naming the host the request was addressed to.
 */
export function changeAllowed(headers: {
  host?: string | undefined;
  origin?: string | undefined;
  'content-type'?: string | undefined;
}): { allowed: true } | { allowed: false; status: number; reason: string } {
  const type = (headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json') {
    const reason = `changes are sent as application/json, not "${type || 'nothing'}"`;
    return { allowed: false, status: REFUSED.UNSUPPORTED_MEDIA_TYPE, reason };
  }
  const origin = headers.origin;
  if (origin === undefined) return { allowed: true };
  let originHost: string;
  try {
    originHost = new URL(origin).host;
  } catch {
    const reason = `the request came from an unreadable origin "${origin}"`;
    return { allowed: false, status: REFUSED.FORBIDDEN, reason };
  }
  if (headers.host === undefined || originHost.toLowerCase() !== headers.host.toLowerCase()) {
    const reason = `the request came from another site (${origin})`;
    return { allowed: false, status: REFUSED.FORBIDDEN, reason };
  }
  return { allowed: true };
}
