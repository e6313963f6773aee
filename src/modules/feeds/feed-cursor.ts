import { ValidationFailedException } from '../../common/errors/validation';

/**
 * A position in the reports feed: the (created_at, id) of a report. Ordering by both makes the order
 * total, so reports created in the same microsecond are neither skipped nor repeated across pages.
 * `at` keeps PostgreSQL's microseconds (a JavaScript Date would round them away).
 */
export interface FeedPosition {
  /** `YYYY-MM-DDTHH:MM:SS.ffffffZ` */
  at: string;
  id: string;
}

const AT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** Sorts before every report id: a position "at T, nil id" means "everything before T has been seen". */
export const NIL_UUID = '00000000-0000-0000-0000-000000000000';
const VERSION = 'r1';

/** The opaque token clients pass back as `cursor` or `since`. */
export function encodeCursor(position: FeedPosition): string {
  return Buffer.from(`${VERSION}|${position.at}|${position.id}`, 'utf8').toString('base64url');
}

/** The position in a token this feed issued; 422 naming `field` for anything else. */
export function decodeCursor(token: string, field: string): FeedPosition {
  const invalid = () => new ValidationFailedException([{ field, messages: [`${field} is not a token issued by this feed`] }]);
  if (token.length > 200 || !/^[A-Za-z0-9_-]+$/.test(token)) throw invalid();
  const [version, at, id, ...rest] = Buffer.from(token, 'base64url').toString('utf8').split('|');
  if (version !== VERSION || rest.length || !AT.test(at ?? '') || !UUID.test(id ?? '') || Number.isNaN(Date.parse(at))) throw invalid();
  return { at, id };
}

/** A Date as a position timestamp (milliseconds, padded to microseconds). */
export function positionTime(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}
