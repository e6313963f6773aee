import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, IncomingMessage, Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bodyFileName, fetchUrl, UrlFetchOptions } from './url-fetcher';

const base: UrlFetchOptions = { maxRedirects: 3, timeoutMs: 3000, maxBytes: 1024, allowPrivate: true };

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}
const close = (server: Server) => new Promise((resolve) => server.close(resolve));

describe('fetchUrl', () => {
  let server: Server;
  let port: number;
  const seen: IncomingMessage[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push(req);
      res.on('error', () => undefined);
      if (req.url === '/hang') return; // never answers
      if (req.url === '/stall') {
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        res.write(Buffer.alloc(100, 1)); // then nothing more
        return;
      }
      if (req.url === '/attachment') {
        res.writeHead(200, { 'content-disposition': 'attachment; filename="../../invoice.pdf.exe"' });
        return res.end('MZ');
      }
      res.writeHead(200, { 'content-type': 'text/plain', 'x-long': 'v'.repeat(5000) }).end('hello');
    });
    port = await listen(server);
  });
  afterAll(() => close(server));

  it('connects to the address it resolved and checked (no second DNS lookup)', async () => {
    const resolve = jest.fn(async () => [{ address: '127.0.0.1', family: 4 }]);
    const { facts, body } = await fetchUrl(`http://pinned.test:${port}/page`, { ...base, resolve });
    expect(resolve).toHaveBeenCalledTimes(1);
    expect(facts).toMatchObject({ ok: true, status: 200, contentType: 'text/plain', bytes: 5 });
    expect(facts.chain[0]).toMatchObject({ address: '127.0.0.1', resolved: ['127.0.0.1'], status: 200 });
    expect(facts.chain[0].headers['x-long']).toHaveLength(1025); // bounded
    expect(Buffer.from(body!).toString()).toBe('hello');
    expect(seen.at(-1)!.headers.host).toBe(`pinned.test:${port}`);
  });

  it('refuses hosts that resolve to internal addresses, before connecting', async () => {
    const before = seen.length;
    const { facts, body } = await fetchUrl(`http://internal.test:${port}/`, { ...base, allowPrivate: false, resolve: async () => [{ address: '127.0.0.1', family: 4 }] });
    expect(body).toBeNull();
    expect(facts).toMatchObject({ ok: false, refused: true, error: expect.stringContaining('127.0.0.1, a loopback address') });
    expect(facts.chain[0]).toMatchObject({ address: null, resolved: ['127.0.0.1'], status: null });
    const literal = await fetchUrl(`http://[::ffff:127.0.0.1]:${port}/`, { ...base, allowPrivate: false });
    expect(literal.facts).toMatchObject({ refused: true, error: expect.stringContaining('loopback') });
    const decimal = await fetchUrl(`http://2130706433:${port}/`, { ...base, allowPrivate: false });
    expect(decimal.facts).toMatchObject({ refused: true, error: expect.stringContaining('loopback') });
    expect(seen.length).toBe(before);
  });

  it('refuses a host whose addresses are all internal, naming the first', async () => {
    const { facts } = await fetchUrl(`http://mixed.test:${port}/`, { ...base, allowPrivate: false, resolve: async () => [{ address: '10.0.0.1', family: 4 }, { address: '127.0.0.1', family: 4 }] });
    expect(facts).toMatchObject({ refused: true, error: expect.stringContaining('10.0.0.1, a private address') });
  });

  it('refuses credentials in URLs and schemes other than http(s)', async () => {
    expect((await fetchUrl(`http://user:secret@127.0.0.1:${port}/`, base)).facts).toMatchObject({ refused: true, error: expect.stringContaining('credentials') });
    expect((await fetchUrl('ftp://127.0.0.1/file', base)).facts).toMatchObject({ refused: true, error: expect.stringContaining('only http and https') });
    expect((await fetchUrl('not a url', base)).facts).toMatchObject({ refused: true, error: expect.stringContaining('not a valid URL') });
  });

  it('gives up at the time limit, keeping what a stalled download sent', async () => {
    const started = Date.now();
    const hang = await fetchUrl(`http://127.0.0.1:${port}/hang`, { ...base, timeoutMs: 500 });
    expect(hang.facts).toMatchObject({ ok: false, refused: false, error: expect.stringContaining('timed out after 0.5 s') });
    expect(Date.now() - started).toBeLessThan(2000);
    const stall = await fetchUrl(`http://127.0.0.1:${port}/stall`, { ...base, timeoutMs: 500 });
    expect(stall.facts).toMatchObject({ ok: true, truncated: true, bytes: 100, error: expect.stringContaining('timed out') });
  });

  it('names the body from Content-Disposition or the path, never as a path', async () => {
    const { facts } = await fetchUrl(`http://127.0.0.1:${port}/attachment`, base);
    expect(facts.fileName).toBe('invoice.pdf.exe');
    expect(bodyFileName(new URL('http://x/a/b/report%20final.doc?x=1'), undefined)).toBe('report final.doc');
    expect(bodyFileName(new URL('http://x/'), undefined)).toBe('download');
    expect(bodyFileName(new URL('http://x/%2e%2e'), undefined)).toBe('download');
  });
});

describe('fetchUrl over TLS', () => {
  let dir: string;
  let server: Server;
  let port: number;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'url-fetcher-tls-'));
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
      '-subj', '/CN=sandbox.test/O=Test Org', '-addext', 'subjectAltName=DNS:sandbox.test,DNS:www.sandbox.test,IP:127.0.0.1',
    ], { stdio: 'ignore' });
    server = createHttpsServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, (_req, res) => res.end('secure')) as unknown as Server;
    port = await listen(server);
  });
  afterAll(async () => {
    await close(server);
    rmSync(dir, { recursive: true, force: true });
  });

  it('records protocol, cipher and the certificate, and that it did not verify', async () => {
    const { facts, body } = await fetchUrl(`https://sandbox.test:${port}/`, { ...base, resolve: async () => [{ address: '127.0.0.1', family: 4 }] });
    expect(Buffer.from(body!).toString()).toBe('secure');
    const tls = facts.chain[0].tls!;
    expect(tls.protocol).toMatch(/^TLSv1\.[23]$/);
    expect(tls.cipher?.name).toBeTruthy();
    expect(tls.verified).toBe(false);
    expect(tls.verifyError).toMatch(/SELF_SIGNED|self.signed/i);
    expect(tls.certificate).toMatchObject({
      subject: expect.stringContaining('CN=sandbox.test'),
      issuer: expect.stringContaining('O=Test Org'),
      fingerprint256: expect.stringMatching(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/),
      subjectAltNames: ['DNS:sandbox.test', 'DNS:www.sandbox.test', 'IP Address:127.0.0.1'],
    });
    expect(new Date(tls.certificate!.validTo).getTime()).toBeGreaterThan(Date.now());
  });
});
