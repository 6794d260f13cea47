import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkGatewaySecurity, isLoopbackHost, readTlsFiles } from './startup-checks';

const base = { HOST: '127.0.0.1', AUTH_DISABLED: false, TLS_CERT: '', TLS_KEY: '' };

describe('gateway startup checks', () => {
  it.each(['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1'])('%s is loopback', (h) => {
    expect(isLoopbackHost(h)).toBe(true);
  });

  it.each(['0.0.0.0', '::', '10.0.0.5', '192.168.1.1', 'example.com', '128.0.0.1', '::ffff:10.0.0.1', ''])('%s is not loopback', (h) => {
    expect(isLoopbackHost(h)).toBe(false);
  });

  it('AUTH_DISABLED on loopback starts; on any other address it is refused, naming HOST', () => {
    expect(() => checkGatewaySecurity({ ...base, AUTH_DISABLED: true })).not.toThrow();
    expect(() => checkGatewaySecurity({ ...base, HOST: '0.0.0.0', AUTH_DISABLED: true })).toThrow(
      'gateway: AUTH_DISABLED=true is refused because HOST=0.0.0.0 is not a loopback address',
    );
    expect(() => checkGatewaySecurity({ ...base, HOST: '0.0.0.0' })).not.toThrow();
  });

  it('half a TLS pair is refused, naming the one set', () => {
    expect(() => checkGatewaySecurity({ ...base, TLS_CERT: '/c.pem' })).toThrow('gateway: TLS needs both TLS_CERT and TLS_KEY; only TLS_CERT is set');
    expect(() => checkGatewaySecurity({ ...base, TLS_KEY: '/k.pem' })).toThrow('only TLS_KEY is set');
  });

  it('reads the TLS pair, or names the file it cannot read', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gw-tls-'));
    writeFileSync(join(dir, 'c.pem'), 'CERT');
    writeFileSync(join(dir, 'k.pem'), 'KEY');
    expect(readTlsFiles(base)).toBeUndefined();
    expect(readTlsFiles({ TLS_CERT: join(dir, 'c.pem'), TLS_KEY: join(dir, 'k.pem') })).toEqual({ cert: Buffer.from('CERT'), key: Buffer.from('KEY') });
    expect(() => readTlsFiles({ TLS_CERT: join(dir, 'c.pem'), TLS_KEY: join(dir, 'nope.pem') })).toThrow(`gateway: TLS_KEY ${join(dir, 'nope.pem')} cannot be read`);
  });
});
