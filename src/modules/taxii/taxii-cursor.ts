import { ValidationFailedException } from '../../common/errors/validation';

/**
 * A position in a collection: the report (its created_at with PostgreSQL's microseconds, and id) and
 * the index of the next object in that report's bundle; `index` -1 means "after the whole report".
 * Reports are ordered by (created_at, id), a total order walked by an index, so pages neither
 * repeat nor miss an object.
 */
export interface TaxiiPosition {
  at: string;
  id: string;
  index: number;
}

const AT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const VERSION = 't1';

export function encodePosition(p: TaxiiPosition): string {
  return Buffer.from(`${VERSION}|${p.at}|${p.id}|${p.index}`, 'utf8').toString('base64url');
}

/** The position in a `next` token this server issued; 422 for anything else. */
export function decodePosition(token: string): TaxiiPosition {
  const invalid = () => new ValidationFailedException([{ field: 'next', messages: ['next is not a token issued by this server'] }]);
  if (token.length > 200 || !/^[A-Za-z0-9_-]+$/.test(token)) throw invalid();
  const [version, at, id, index, ...rest] = Buffer.from(token, 'base64url').toString('utf8').split('|');
  if (version !== VERSION || rest.length || !AT.test(at ?? '') || !UUID.test(id ?? '') || !/^(-1|\d{1,6})$/.test(index ?? '') || Number.isNaN(Date.parse(at))) {
    throw invalid();
  }
  return { at, id, index: Number(index) };
}
