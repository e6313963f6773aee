import { selectReportFields } from '../reports/report-filter';
import { VERDICT_ORDER } from '../../engine/types';

/** What the poll endpoint returns per report when no `filter=` is given. */
export const DEFAULT_FILTER = ['general', 'finalVerdict', 'allTags', 'overallState'];

/** The report fields a filter selects, in document order (`id` always); null for every field (`f:all`). */
export function selectedFields(filter: readonly string[] | undefined): string[] | null {
  const wanted = filter?.length ? filter : DEFAULT_FILTER;
  return wanted.includes('f:all') ? null : selectReportFields(wanted);
}

/** `sorting=` keys and the SQL (on the `reports` row, alias r) each sorts by. */
export const SORT_KEYS: Record<string, string> = {
  fileIndex: 'r.file_index',
  verdict: `array_position(ARRAY[${VERDICT_ORDER.map((v) => `'${v}'`).join(', ')}]::text[], r.verdict)`,
  threatLevel: 'r.threat_level',
  created_date: 'r.created_at',
  fileName: 'lower(r.file_name)',
  fileSize: 'r.size',
};

const SORTING = new RegExp(`^(${Object.keys(SORT_KEYS).join('|')})(:(asc|desc))?$`);

export function isSortingValue(value: string): boolean {
  return SORTING.test(value);
}

export const SORTING_HELP = `<key>[:asc|:desc] with <key> one of ${Object.keys(SORT_KEYS).join(', ')}`;

/** ORDER BY of validated `sorting=` values (default `fileIndex:asc`); the file index breaks ties. */
export function orderBy(sorting: readonly string[] | undefined): string {
  const terms = (sorting ?? []).map((value) => {
    const [, key, , dir] = SORTING.exec(value)!;
    return `${SORT_KEYS[key]} ${dir === 'desc' ? 'DESC' : 'ASC'}`;
  });
  return [...terms, 'r.file_index ASC'].join(', ');
}
