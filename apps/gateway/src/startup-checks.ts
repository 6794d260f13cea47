import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';

/** True for an address only this machine can reach: 127.0.0.0/8, ::1 (also IPv4-mapped) and the name localhost. */
export function isLoopbackHost(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (h === 'localhost') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) {
    // The URL parser writes IPv6 in its shortest form: ::1, and ::ffff:7f00:1 for ::ffff:127.0.0.1.
    const short = new URL(`http://[${h}]`).hostname;
    return short === '[::1]' || short.startsWith('[::ffff:7f');
  }
  return false;
}

export interface GatewaySecurityConfig {
  HOST: string;
  AUTH_DISABLED: boolean;
  TLS_CERT: string;
  TLS_KEY: string;
}

/**
 * Refuses settings that would expose the cluster: AUTH_DISABLED on an address other machines can reach, half a TLS
 * pair. Throws an Error naming the settings; the gateway exits before it connects to anything.
 */
export function checkGatewaySecurity(c: GatewaySecurityConfig): void {
  if (c.AUTH_DISABLED && !isLoopbackHost(c.HOST)) {
    throw new Error(
      `gateway: AUTH_DISABLED=true is refused because HOST=${c.HOST} is not a loopback address: anyone who can reach it ` +
        'would own the cluster. Listen on loopback (HOST=127.0.0.1 or ::1) to serve without authentication, or configure ' +
        'tokens (TOKENS_FILE or MARSHAL_TOKENS) and unset AUTH_DISABLED.',
    );
  }
  if (Boolean(c.TLS_CERT) !== Boolean(c.TLS_KEY)) {
    throw new Error(`gateway: TLS needs both TLS_CERT and TLS_KEY; only ${c.TLS_CERT ? 'TLS_CERT' : 'TLS_KEY'} is set`);
  }
}

/** The certificate and key files for HTTPS, or undefined when TLS is off; an unreadable file is an error naming it. */
export function readTlsFiles(c: Pick<GatewaySecurityConfig, 'TLS_CERT' | 'TLS_KEY'>): { cert: Buffer; key: Buffer } | undefined {
  if (!c.TLS_CERT && !c.TLS_KEY) return undefined;
  const read = (name: 'TLS_CERT' | 'TLS_KEY'): Buffer => {
    try {
      return readFileSync(c[name]);
    } catch (e) {
      throw new Error(`gateway: ${name} ${c[name]} cannot be read: ${(e as Error).message}`);
    }
  };
  return { cert: read('TLS_CERT'), key: read('TLS_KEY') };
}
