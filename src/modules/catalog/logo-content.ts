/** Largest logo accepted, bytes. */
export const MAX_LOGO_BYTES = 256 * 1024;

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Raised with the reason an uploaded logo is refused. */
export class LogoRefused extends Error {}

/**
 * What is refused in an SVG logo, with the reason. A logo is drawn, not run: anything that could run
 * script, load something from elsewhere or expand entities is refused outright rather than cleaned
 * (cleaning SVG reliably needs a full parser; refusing is simple and safe). Logos are also served
 * with `Content-Security-Policy: default-src 'none'; sandbox` and `nosniff`, in case one slips by.
 */
const SVG_REFUSALS: [RegExp, string][] = [
  [/<!(DOCTYPE|ENTITY)/i, 'a DOCTYPE or ENTITY declaration'],
  [/<\s*(script|foreignObject|iframe|embed|object|handler|listener|animate|set|animateMotion|animateTransform)\b/i, 'an element that can run script or change links (script, foreignObject, iframe, embed, object, animate, set)'],
  [/\son[a-z]+\s*=/i, 'an event-handler attribute (on…)'],
  [/javascript\s*:|vbscript\s*:|data\s*:\s*text\/html/i, 'a script URL'],
  [/\b(xlink:)?href\s*=\s*["']\s*(?!#)/i, 'a link to anything but a fragment of the logo itself (href)'],
  [/url\s*\(\s*["']?\s*(?!#)/i, 'a url() reference outside the logo'],
  [/@import/i, 'a CSS @import'],
  [/&(?!(amp|lt|gt|quot|apos);)/i, 'a character or entity reference other than &amp; &lt; &gt; &quot; &apos;'],
];

/** The logo's MIME type, decided from its bytes: PNG or a plain SVG; throws LogoRefused saying why not. */
export function checkLogo(bytes: Buffer): 'image/png' | 'image/svg+xml' {
  if (bytes.length === 0) throw new LogoRefused('The logo file is empty');
  if (bytes.length > MAX_LOGO_BYTES) throw new LogoRefused(`A logo is at most ${MAX_LOGO_BYTES} bytes`);
  if (bytes.subarray(0, 8).equals(PNG_SIGNATURE)) {
    if (bytes.length < 45 || bytes.toString('latin1', 12, 16) !== 'IHDR' || bytes.toString('latin1', bytes.length - 8, bytes.length - 4) !== 'IEND') {
      throw new LogoRefused('The PNG is truncated or malformed (no IHDR first or no IEND last)');
    }
    const width = bytes.readUInt32BE(16);
    const height = bytes.readUInt32BE(20);
    if (!width || !height || width > 4096 || height > 4096) throw new LogoRefused('A PNG logo must be between 1×1 and 4096×4096 pixels');
    return 'image/png';
  }
  const text = bytes.toString('utf8');
  if (text.includes('\ufffd') || text.includes('\0')) throw new LogoRefused('The logo is neither a PNG nor a UTF-8 SVG');
  const body = text.replace(/^\ufeff/, '').replace(/^\s*<\?xml[^>]*\?>/, '').replace(/^(\s*<!--[\s\S]*?-->)*\s*/, '');
  if (!/^<svg[\s>]/.test(body) || !/<\/svg>\s*$/.test(body)) throw new LogoRefused('The logo is neither a PNG nor an SVG document (<svg> … </svg>)');
  for (const [pattern, what] of SVG_REFUSALS) if (pattern.test(text)) throw new LogoRefused(`The SVG logo is refused: it contains ${what}`);
  return 'image/svg+xml';
}
