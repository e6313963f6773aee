import { redactConfig, redactUrl } from './config-redaction';

describe('redactConfig', () => {
  it('redacts values under secret-looking keys, at any depth, and shows unset ones as null', () => {
    const out = redactConfig({
      secret: 'root-secret-value',
      db: { url: 'postgres://app:db-pw-123@db:5432/sandbox?sslpassword=ssl-pw-456', poolSize: 20 },
      s3: { secretAccessKey: 'abcd1234', accessKeyId: undefined, region: 'eu-west-1' },
      nested: [{ apiKey: 'k-999999' }, { authToken: 'tok-88888' }],
      port: 8090,
      enabled: true,
    });
    expect(out).toEqual({
      secret: '[redacted]',
      db: { url: 'postgres://app:[redacted]@db:5432/sandbox?sslpassword=[redacted]', poolSize: 20 },
      s3: { secretAccessKey: '[redacted]', accessKeyId: null, region: 'eu-west-1' },
      nested: [{ apiKey: '[redacted]' }, { authToken: '[redacted]' }],
      port: 8090,
      enabled: true,
    });
  });

  it('cuts known and key-found secret values out of every other string', () => {
    const out = redactConfig({ smtp: { password: 'pw-value-1', from: 'x pw-value-1 y' }, note: 'uses known-secret-2 here' }, ['known-secret-2']);
    expect(out).toEqual({ smtp: { password: '[redacted]', from: 'x [redacted] y' }, note: 'uses [redacted] here' });
  });
});

describe('redactUrl', () => {
  it('keeps the user and host, hides password and query values, leaves non-URLs alone', () => {
    expect(redactUrl('https://u:p@h.example/x?a=1&b=2')).toBe('https://u:[redacted]@h.example/x?a=[redacted]&b=[redacted]');
    expect(redactUrl('https://h.example/x')).toBe('https://h.example/x');
    expect(redactUrl('/var/lib/sandbox')).toBe('/var/lib/sandbox');
  });
});
