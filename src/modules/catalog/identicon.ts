import { createHash } from 'node:crypto';

/**
 * A deterministic identicon: a 5×5 grid mirrored left to right, coloured from a SHA-256 of `seed`.
 * The same account always gets the same picture; the SVG holds only rectangles (nothing to script).
 */
export function identiconSvg(seed: string): string {
  const hash = createHash('sha256').update(seed).digest();
  const hue = ((hash[0] << 8) | hash[1]) % 360;
  const colour = `hsl(${hue}, 55%, 50%)`;
  const cells: string[] = [];
  for (let row = 0; row < 5; row++) {
    for (let col = 0; col < 3; col++) {
      if ((hash[2 + row * 3 + col] & 1) === 0) continue;
      for (const x of new Set([col, 4 - col])) cells.push(`<rect x="${x + 0.5}" y="${row + 0.5}" width="1" height="1"/>`);
    }
  }
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 6 6" width="120" height="120">` +
    `<rect width="6" height="6" fill="#f0f0f0"/><g fill="${colour}">${cells.join('')}</g></svg>`
  );
}
