import { Type } from '@sinclair/typebox';
import { ConfigError, defineConfig, describeConfig, loadConfig } from './config';

const def = defineConfig('demo', {
  PORT: Type.Integer({ default: 8080, minimum: 1, maximum: 65535, description: 'HTTP port' }),
  AUTH: Type.Boolean({ default: true }),
});

describe('typed configuration', () => {
  it('fills defaults and coerces environment strings', () => {
    const c = loadConfig(def, { PORT: '9000', AUTH: 'false' });
    expect(c.PORT).toBe(9000);
    expect(c.AUTH).toBe(false);
    expect(c.NATS_URL).toBe('nats://127.0.0.1:4222');
    expect(c.MARSHAL_NAMESPACE).toBe('marshal');
  });

  it('fails fast naming every bad variable', () => {
    try {
      loadConfig(def, { PORT: 'eighty', LOG_LEVEL: 'loud', MARSHAL_NAMESPACE: 'Bad NS' });
      throw new Error('expected ConfigError');
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      const msg = (e as Error).message;
      expect(msg).toMatch(/PORT="eighty"/);
      expect(msg).toMatch(/LOG_LEVEL="loud"/);
      expect(msg).toMatch(/MARSHAL_NAMESPACE="Bad NS"/);
    }
  });

  it('describes every variable with its default', () => {
    const vars = describeConfig(def);
    expect(vars.map((v) => v.name)).toEqual([
      'NATS_URL',
      'NATS_NKEY_SEED_FILE',
      'NATS_NKEY_SEED',
      'NATS_CREDS',
      'NATS_USER',
      'NATS_PASSWORD',
      'NATS_TLS_CA',
      'NATS_TLS_CERT',
      'NATS_TLS_KEY',
      'MARSHAL_NAMESPACE',
      'LOG_LEVEL',
      'HEALTH_PORT',
      'INSTANCE_ID',
      'EVENT_MAX_ATTEMPTS',
      'EVENT_RETRY_DELAY_MS',
      'PORT',
      'AUTH',
    ]);
    expect(vars.find((v) => v.name === 'EVENT_MAX_ATTEMPTS')).toMatchObject({ default: 5 });
    expect(vars.find((v) => v.name === 'PORT')).toEqual({ name: 'PORT', default: 8080, description: 'HTTP port' });
  });
});
