import { createHash } from 'node:crypto';
import type { FeedReportDto } from './dtos/feed.dto';

/** Text for XML content and attribute values; characters XML 1.0 forbids (most controls) are dropped. */
export function xmlEscape(value: string): string {
  return value
    .replace(/[^\u0009\u000A\u000D\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** A name-based (version 5 style) UUID, so the feed's id is the same on every request of one installation. */
function stableUuid(name: string): string {
  const h = createHash('sha1').update(`sandbox-feed:${name}`).digest();
  h[6] = (h[6] & 0x0f) | 0x50;
  h[8] = (h[8] & 0x3f) | 0x80;
  const hex = h.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export interface AtomFeed {
  baseUrl: string;
  items: FeedReportDto[];
  /** `cursor` of the next (older) page, for the RFC 5005 `next` link. */
  nextCursor: string | null;
  /** When the feed last changed, for `updated` when it has no entries. */
  settledUntil: string;
}

/**
 * The feed as Atom 1.0 (RFC 4287): one entry per report, id `urn:uuid:<report id>`, the verdict in
 * the title, a category and the summary; every text XML-escaped (file names are attacker-chosen).
 */
export function renderAtom(feed: AtomFeed): string {
  const self = `${feed.baseUrl}/api/feed/atom`;
  const updated = feed.items[0]?.created_date ?? feed.settledUntil;
  const lines = [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<feed xmlns="http://www.w3.org/2005/Atom">',
    `  <id>urn:uuid:${stableUuid(self)}</id>`,
    '  <title>Sandbox reports</title>',
    '  <subtitle>Public submissions analysed by the sandbox, newest first</subtitle>',
    `  <updated>${xmlEscape(updated)}</updated>`,
    `  <link rel="self" type="application/atom+xml" href="${xmlEscape(self)}"/>`,
    `  <link rel="alternate" type="application/json" href="${xmlEscape(`${feed.baseUrl}/api/feed/reports`)}"/>`,
    ...(feed.nextCursor ? [`  <link rel="next" type="application/atom+xml" href="${xmlEscape(`${self}?cursor=${encodeURIComponent(feed.nextCursor)}`)}"/>`] : []),
    '  <author><name>Sandbox</name></author>',
    '  <generator>sandbox-platform</generator>',
  ];
  for (const item of feed.items) {
    const summary =
      `Verdict: ${item.verdict} (threat level ${item.threat_level}). File: ${item.file_name} (${item.file_type}, ${item.size} bytes). ` +
      `SHA-256: ${item.sha256 ?? 'none'}.${item.tags.length ? ` Tags: ${item.tags.join(', ')}.` : ''} Flow: ${item.flow_id}.`;
    lines.push(
      '  <entry>',
      `    <id>urn:uuid:${item.report_id}</id>`,
      `    <title>${xmlEscape(`${item.verdict}: ${item.file_name}`)}</title>`,
      `    <updated>${item.created_date}</updated>`,
      `    <published>${item.created_date}</published>`,
      `    <link rel="alternate" type="application/json" href="${xmlEscape(item.link)}"/>`,
      `    <category term="${xmlEscape(item.verdict)}" label="verdict"/>`,
      ...item.tags.map((tag) => `    <category term="${xmlEscape(tag)}" label="tag"/>`),
      `    <summary type="text">${xmlEscape(summary)}</summary>`,
      '  </entry>',
    );
  }
  lines.push('</feed>', '');
  return lines.join('\n');
}
