import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ENGINE_MIME_TYPES } from './mime-types';

describe('ENGINE_MIME_TYPES', () => {
  it('lists every MIME type identify.ts can answer, once', () => {
    const source = readFileSync(join(__dirname, '../../engine/identify/identify.ts'), 'utf8');
    const named = new Set([...source.matchAll(/'((?:application|text|image|message)\/[A-Za-z0-9.+-]+)'/g)].map((m) => m[1]));
    const listed = ENGINE_MIME_TYPES.map((m) => m.mime);
    expect(new Set(listed).size).toBe(listed.length);
    expect([...named].filter((mime) => !listed.includes(mime))).toEqual([]);
    expect(listed.filter((mime) => !named.has(mime))).toEqual([]);
  });
});
