import { lookup as dnsLookup } from 'node:dns/promises';
import { request as httpRequest, IncomingMessage, RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, LookupFunction } from 'node:net';
import type { PeerCertificate, TLSSocket } from 'node:tls';
import { classifyAddress } from './address-policy';

/**
 * Fetches the URL of a URL scan, for analysis: GET with bounded redirects, time and size, and the
 * facts an analyst wants (redirect chain with statuses, headers and resolved addresses; TLS
 * protocol, cipher and certificate).
 *
 * SSRF: every hop's host is resolved here, each address judged by address-policy.ts (loopback,
 * private, link-local, CGNAT, multicast, reserved are refused unless `allowPrivate`), and the
 * connection goes to the address that was judged (a custom `lookup` hands it to node:http), so a
 * DNS answer cannot change between the check and the connect. Redirects to anything but http(s),
 * and URLs carrying credentials, are refused.
 *
 * Never throws for the network's reasons: an unreachable or refused URL is a result (`ok: false`,
 * `error`), because a URL that cannot be fetched is itself something to report.
 */

export interface UrlFetchOptions {
  maxRedirects: number;
  timeoutMs: number;
  maxBytes: number;
  allowPrivate: boolean;
  /** Resolves a host name to its addresses (tests inject one); default: the system resolver. */
  resolve?: (host: string) => Promise<{ address: string; family: number }[]>;
  userAgent?: string;
}

export interface TlsFacts {
  protocol: string | null;
  cipher: { name: string; standardName?: string; version: string } | null;
  /** The certificate chain verified against the system's trust store for this host name. */
  verified: boolean;
  verifyError: string | null;
  certificate: {
    subject: string;
    issuer: string;
    validFrom: string;
    validTo: string;
    serialNumber: string;
    fingerprint256: string;
    subjectAltNames: string[];
  } | null;
}

export interface UrlHop {
  url: string;
  /** Null when the request got no response (refused, unreachable, timed out). */
  status: number | null;
  statusText: string | null;
  /** Response headers (at most MAX_HEADERS, values cut at MAX_HEADER_VALUE characters). */
  headers: Record<string, string>;
  /** The address connected to. */
  address: string | null;
  /** Every address the host resolved to. */
  resolved: string[];
  location: string | null;
  tls: TlsFacts | null;
  durationMs: number;
  error: string | null;
}

export interface UrlFetchResult {
  url: string;
  finalUrl: string;
  /** A body was received (possibly cut at maxBytes): it is analysed as the URL's download. */
  ok: boolean;
  /** Status of the last response, null when there was none. */
  status: number | null;
  contentType: string | null;
  /** Declared Content-Length of the last response. */
  contentLength: number | null;
  /** Bytes kept (at most maxBytes). */
  bytes: number;
  /** The body was longer than maxBytes (or the download timed out): only its first `bytes` are analysed. */
  truncated: boolean;
  /** Every request made, in order; the last one is the final response. */
  chain: UrlHop[];
  redirects: number;
  /** Why there is no (complete) body; null when the download completed. */
  error: string | null;
  /** The fetch was refused by policy (SSRF protection, scheme, credentials), not by the network. */
  refused: boolean;
  /** File name for the body: Content-Disposition, else the last path segment, else `download`. */
  fileName: string;
  durationMs: number;
}

export interface UrlFetchOutcome {
  facts: UrlFetchResult;
  body: Uint8Array | null;
}

const MAX_HEADERS = 64;
const MAX_HEADER_VALUE = 1024;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const DEFAULT_USER_AGENT = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36';

class Refused extends Error {}

/** Validates a URL of a scan or a redirect target; throws Refused with the reason. */
export function checkUrl(raw: string | URL): URL {
  let url: URL;
  try {
    url = typeof raw === 'string' ? new URL(raw) : raw;
  } catch {
    throw new Refused(`not a valid URL: ${String(raw).slice(0, 200)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Refused(`refused: only http and https URLs are fetched (got ${url.protocol.replace(/:$/, '')})`);
  if (url.username || url.password) throw new Refused('refused: URLs with credentials are not fetched');
  if (!url.hostname) throw new Refused('refused: the URL has no host');
  return url;
}

const bareHost = (url: URL) => url.hostname.replace(/^\[(.*)\]$/, '$1');

async function resolveHost(url: URL, options: UrlFetchOptions, hop: UrlHop): Promise<{ address: string; family: number }> {
  const host = bareHost(url);
  const literal = isIP(host);
  const addresses = literal
    ? [{ address: host, family: literal }]
    : await (options.resolve ?? ((h: string) => dnsLookup(h, { all: true, verbatim: true })))(host).catch((err: NodeJS.ErrnoException) => {
        throw new Error(`could not resolve ${host}: ${err.code ?? err.message}`);
      });
  hop.resolved = addresses.map((a) => a.address);
  if (!addresses.length) throw new Error(`could not resolve ${host}: no addresses`);
  if (options.allowPrivate) return addresses[0];
  const allowed = addresses.find((a) => classifyAddress(a.address) === null);
  if (!allowed) {
    const reason = classifyAddress(addresses[0].address);
    throw new Refused(`refused: ${host} resolves to ${addresses[0].address}, ${reason} (URL scans do not reach internal networks; URL_ALLOW_PRIVATE)`);
  }
  return allowed;
}

function boundedHeaders(res: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  let n = 0;
  for (const [name, value] of Object.entries(res.headers)) {
    if (n++ >= MAX_HEADERS) break;
    const text = Array.isArray(value) ? value.join(', ') : String(value ?? '');
    out[name] = text.length > MAX_HEADER_VALUE ? `${text.slice(0, MAX_HEADER_VALUE)}…` : text;
  }
  return out;
}

const dn = (o: Record<string, string | string[]> | undefined) =>
  o ? Object.entries(o).map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('+') : v}`).join(', ') : '';

function tlsFacts(socket: TLSSocket): TlsFacts {
  let certificate: TlsFacts['certificate'] = null;
  const cert: PeerCertificate | undefined = socket.getPeerCertificate?.(false);
  if (cert && Object.keys(cert).length) {
    certificate = {
      subject: dn(cert.subject as unknown as Record<string, string>),
      issuer: dn(cert.issuer as unknown as Record<string, string>),
      validFrom: new Date(cert.valid_from).toISOString(),
      validTo: new Date(cert.valid_to).toISOString(),
      serialNumber: cert.serialNumber,
      fingerprint256: cert.fingerprint256,
      subjectAltNames: (cert.subjectaltname ?? '').split(', ').filter(Boolean).slice(0, 100),
    };
  }
  const cipher = socket.getCipher?.();
  return {
    protocol: socket.getProtocol?.() ?? null,
    cipher: cipher ? { name: cipher.name, standardName: cipher.standardName, version: cipher.version } : null,
    verified: socket.authorized === true,
    verifyError: socket.authorizationError ? String(socket.authorizationError) : null,
    certificate,
  };
}

/** A body file name from Content-Disposition or the URL path; a display name, never a filesystem path. */
export function bodyFileName(url: URL, disposition: string | undefined): string {
  const fromHeader = disposition && /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(disposition)?.[1];
  let name = fromHeader ? safeDecode(fromHeader) : safeDecode(url.pathname.split('/').filter(Boolean).pop() ?? '');
  // eslint-disable-next-line no-control-regex
  name = (name.split(/[\\/]/).pop() ?? '').replace(/[\u0000-\u001f\u007f]/g, '_').trim().slice(0, 255);
  return name && name !== '.' && name !== '..' ? name : 'download';
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Fetches `rawUrl` within the limits; see the module comment. */
export async function fetchUrl(rawUrl: string, options: UrlFetchOptions): Promise<UrlFetchOutcome> {
  const started = Date.now();
  const deadline = started + options.timeoutMs;
  const facts: UrlFetchResult = {
    url: rawUrl,
    finalUrl: rawUrl,
    ok: false,
    status: null,
    contentType: null,
    contentLength: null,
    bytes: 0,
    truncated: false,
    chain: [],
    redirects: 0,
    error: null,
    refused: false,
    fileName: 'download',
    durationMs: 0,
  };
  let body: Uint8Array | null = null;
  try {
    let url = checkUrl(rawUrl);
    for (;;) {
      facts.finalUrl = url.href;
      const hop: UrlHop = { url: url.href, status: null, statusText: null, headers: {}, address: null, resolved: [], location: null, tls: null, durationMs: 0, error: null };
      facts.chain.push(hop);
      const hopStarted = Date.now();
      try {
        const target = await withDeadline(resolveHost(url, options, hop), deadline, options.timeoutMs);
        hop.address = target.address;
        const response = await request(url, target, options, deadline);
        hop.status = response.res.statusCode ?? null;
        hop.statusText = response.res.statusMessage ?? null;
        hop.headers = boundedHeaders(response.res);
        hop.tls = response.tls;
        const location = response.res.headers.location;
        if (hop.status !== null && REDIRECT_STATUSES.has(hop.status) && location) {
          response.res.resume();
          response.res.destroy();
          hop.location = location.slice(0, 4096);
          if (facts.redirects >= options.maxRedirects) {
            throw new Error(`too many redirects: stopped after ${options.maxRedirects} (URL_MAX_REDIRECTS)`);
          }
          facts.redirects++;
          url = checkUrl(new URL(location, url));
          continue;
        }
        facts.status = hop.status;
        facts.contentType = typeof response.res.headers['content-type'] === 'string' ? response.res.headers['content-type'].slice(0, 200) : null;
        const declared = Number(response.res.headers['content-length']);
        facts.contentLength = Number.isFinite(declared) && response.res.headers['content-length'] !== undefined ? declared : null;
        facts.fileName = bodyFileName(url, response.res.headers['content-disposition']);
        const download = await readBody(response.res, options.maxBytes, deadline, options.timeoutMs);
        body = download.data;
        facts.bytes = body.length;
        facts.truncated = download.truncated;
        facts.ok = true;
        if (download.error) facts.error = download.error;
        break;
      } catch (err) {
        hop.error = err instanceof Error ? err.message : String(err);
        throw err;
      } finally {
        hop.durationMs = Date.now() - hopStarted;
      }
    }
  } catch (err) {
    facts.error = err instanceof Error ? err.message : String(err);
    facts.refused = err instanceof Refused;
  }
  facts.durationMs = Date.now() - started;
  return { facts, body };
}

function withDeadline<T>(promise: Promise<T>, deadline: number, timeoutMs: number): Promise<T> {
  const left = deadline - Date.now();
  if (left <= 0) return Promise.reject(timedOut(timeoutMs));
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(timedOut(timeoutMs)), left);
    }),
  ]).finally(() => clearTimeout(timer));
}

const timedOut = (timeoutMs: number) => new Error(`timed out after ${Math.round(timeoutMs / 100) / 10} s (URL_FETCH_TIMEOUT)`);

function request(url: URL, target: { address: string; family: number }, options: UrlFetchOptions, deadline: number): Promise<{ res: IncomingMessage; tls: TlsFacts | null }> {
  const host = bareHost(url);
  // Hands node:http the address that was judged, whatever it asks for.
  const lookup: LookupFunction = (_hostname, lookupOptions, callback) => {
    if ((lookupOptions as { all?: boolean }).all) (callback as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, [target]);
    else callback(null, target.address, target.family);
  };
  const https = url.protocol === 'https:';
  const requestOptions: RequestOptions & { servername?: string; rejectUnauthorized?: boolean } = {
    method: 'GET',
    lookup,
    agent: false,
    headers: {
      'user-agent': options.userAgent ?? DEFAULT_USER_AGENT,
      accept: '*/*',
      // Bodies are analysed as sent: no transparent decompression (and no decompression bomb here).
      'accept-encoding': 'identity',
      connection: 'close',
    },
    maxHeaderSize: 64 * 1024,
  };
  if (https) {
    // Malicious sites often have bad certificates: fetch anyway, record whether it verified.
    requestOptions.rejectUnauthorized = false;
    if (!isIP(host)) requestOptions.servername = host;
  }
  return new Promise((resolvePromise, reject) => {
    const left = deadline - Date.now();
    if (left <= 0) return reject(timedOut(options.timeoutMs));
    const req = (https ? httpsRequest : httpRequest)(url, requestOptions, (res) => {
      clearTimeout(timer);
      resolvePromise({ res, tls: https ? tlsFacts(res.socket as TLSSocket) : null });
    });
    const timer = setTimeout(() => req.destroy(timedOut(options.timeoutMs)), left);
    req.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(err.code && !err.message.includes(err.code) ? new Error(`${err.code}: ${err.message}`) : err);
    });
    req.end();
  });
}

/** Reads at most `maxBytes`; beyond them (or at the deadline) stops and keeps what it has. */
function readBody(res: IncomingMessage, maxBytes: number, deadline: number, timeoutMs: number): Promise<{ data: Uint8Array; truncated: boolean; error: string | null }> {
  return new Promise((resolvePromise) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (truncated: boolean, error: string | null) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      res.removeAllListeners('data');
      if (!res.destroyed) res.destroy();
      // One ArrayBuffer of its own, so the engine thread can take it without a copy.
      const data = Buffer.allocUnsafeSlow(size);
      let offset = 0;
      for (const chunk of chunks) {
        chunk.copy(data, offset);
        offset += chunk.length;
      }
      resolvePromise({ data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), truncated, error });
    };
    const timer = setTimeout(() => finish(true, `${timedOut(timeoutMs).message} while downloading: analysed the first ${size} bytes`), Math.max(0, deadline - Date.now()));
    res.on('data', (chunk: Buffer) => {
      if (done) return;
      const room = maxBytes - size;
      if (chunk.length > room) {
        if (room > 0) chunks.push(chunk.subarray(0, room));
        size += Math.max(0, room);
        finish(true, `body larger than ${maxBytes} bytes (URL_MAX_BYTES): analysed the first ${maxBytes} bytes`);
        return;
      }
      chunks.push(chunk);
      size += chunk.length;
    });
    res.on('end', () => finish(false, null));
    res.on('error', (err) => finish(true, `download interrupted (${err.message}): analysed the first ${size} bytes`));
    res.on('close', () => finish(!res.complete, res.complete ? null : `download interrupted: analysed the first ${size} bytes`));
  });
}
