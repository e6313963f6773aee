import { isIP } from 'node:net';

/**
 * Which addresses a URL scan may connect to. Everything that is not public unicast on the internet
 * is refused (unless URL_ALLOW_PRIVATE): loopback, private (RFC 1918, unique-local), link-local,
 * carrier-grade NAT, multicast, documentation, benchmarking and reserved ranges. IPv6 forms that
 * embed an IPv4 address (mapped, 6to4, NAT64) are judged by the embedded address.
 */

type Range = [prefix: number[], bits: number, reason: string];

const V4: Range[] = [
  [[0], 8, 'an unspecified ("this network") address'],
  [[10], 8, 'a private address'],
  [[100, 64], 10, 'a carrier-grade NAT address'],
  [[127], 8, 'a loopback address'],
  [[169, 254], 16, 'a link-local address'],
  [[172, 16], 12, 'a private address'],
  [[192, 0, 0], 24, 'a reserved (IETF protocol assignment) address'],
  [[192, 0, 2], 24, 'a documentation address'],
  [[192, 88, 99], 24, 'a reserved (6to4 relay) address'],
  [[192, 168], 16, 'a private address'],
  [[198, 18], 15, 'a reserved (benchmarking) address'],
  [[198, 51, 100], 24, 'a documentation address'],
  [[203, 0, 113], 24, 'a documentation address'],
  [[224], 4, 'a multicast address'],
  [[240], 4, 'a reserved address'],
];

const V6: Range[] = [
  [[0xfc], 7, 'a private (unique-local) address'],
  [[0xfe, 0x80], 10, 'a link-local address'],
  [[0xfe, 0xc0], 10, 'a reserved (site-local) address'],
  [[0xff], 8, 'a multicast address'],
  [[0x20, 0x01, 0x0d, 0xb8], 32, 'a documentation address'],
  [[0x00, 0x64, 0xff, 0x9b, 0x00, 0x01], 48, 'a private (local-use NAT64) address'],
  [[0x01, 0x00, 0, 0, 0, 0, 0, 0], 64, 'a reserved (discard) address'],
  [[0x20, 0x01, 0x00], 23, 'a reserved (IETF protocol assignment) address'],
];

function matches(bytes: number[], prefix: number[], bits: number): boolean {
  for (let i = 0; i < prefix.length && bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((bytes[i] & mask) !== (prefix[i] & mask)) return false;
  }
  return true;
}

function parseV4(ip: string): number[] {
  return ip.split('.').map(Number);
}

/** 16 bytes of an IPv6 address (with `::` and a trailing dotted IPv4 part). */
export function parseV6(ip: string): number[] {
  let text = ip.split('%')[0]; // zone id
  let tail: number[] = [];
  const lastColon = text.lastIndexOf(':');
  if (text.slice(lastColon + 1).includes('.')) {
    const v4 = parseV4(text.slice(lastColon + 1));
    tail = [(v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]];
    text = text.slice(0, lastColon + 1) + '0:0';
  }
  const [head, rest] = text.includes('::') ? text.split('::') : [text, undefined];
  const group = (s: string) => (s ? s.split(':').map((g) => parseInt(g, 16)) : []);
  const left = group(head);
  const right = rest === undefined ? [] : group(rest);
  const words = rest === undefined ? left : [...left, ...new Array(8 - left.length - right.length).fill(0), ...right];
  if (tail.length) words.splice(6, 2, ...tail);
  return words.flatMap((w) => [(w >> 8) & 0xff, w & 0xff]);
}

function classifyV4(bytes: number[]): string | null {
  for (const [prefix, bits, reason] of V4) if (matches(bytes, prefix, bits)) return reason;
  return null;
}

/**
 * Null when `ip` is a public unicast address a URL scan may reach; otherwise why it is refused
 * ("a loopback address", ...). Anything that is not an IP address is refused.
 */
export function classifyAddress(ip: string): string | null {
  const family = isIP(ip.split('%')[0]);
  if (family === 4) return classifyV4(parseV4(ip));
  if (family !== 6) return 'not an IP address';
  const b = parseV6(ip);
  const zeros = (from: number, to: number) => b.slice(from, to).every((x) => x === 0);
  if (zeros(0, 16)) return 'an unspecified address';
  if (zeros(0, 15) && b[15] === 1) return 'a loopback address';
  // IPv4-mapped ::ffff:a.b.c.d and NAT64 64:ff9b::a.b.c.d carry an IPv4 address: judge that one.
  if (zeros(0, 10) && b[10] === 0xff && b[11] === 0xff) return classifyV4(b.slice(12));
  if (matches(b, [0x00, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0], 96)) return classifyV4(b.slice(12));
  if (zeros(0, 12)) return 'a reserved (IPv4-compatible) address';
  // 6to4 2002:a.b.c.d::/48 reaches the embedded IPv4 address.
  if (b[0] === 0x20 && b[1] === 0x02) return classifyV4(b.slice(2, 6));
  for (const [prefix, bits, reason] of V6) if (matches(b, prefix, bits)) return reason;
  // Only 2000::/3 is global unicast.
  if ((b[0] & 0xe0) !== 0x20) return 'a reserved address';
  return null;
}
