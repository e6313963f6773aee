import type { ReportDocument } from './report-document';

/**
 * The `filter=` selection of a report, as MetaDefender Sandbox's report endpoints take it
 * (`?filter=general&filter=finalVerdict`, or comma-separated). The same sections as the flow poll
 * endpoint (`GET /api/scan/{flow_id}/report`):
 *
 * - `general`: the file and where it sits (file, created_date, overallState, scanOptions,
 *   fileIndex, parentId, originPath);
 * - `finalVerdict`, `allTags`, `overallState`, `taskReference`, `subtaskReferences`,
 *   `allSignalGroups`, `iocs`: that field;
 * - `o:all`: the heavy optional sections (resources, extractedFiles, issues);
 * - `f:<field>`: one top-level field of the report; `f:all`: every field.
 *
 * `id` is always returned. Without a filter, the caller's default applies (the whole report here).
 */
export const REPORT_FIELDS = [
  'id',
  'flowId',
  'fileIndex',
  'parentId',
  'relation',
  'originPath',
  'file',
  'created_date',
  'overallState',
  'finalVerdict',
  'allTags',
  'allSignalGroups',
  'iocs',
  'resources',
  'extractedFiles',
  'issues',
  'taskReference',
  'subtaskReferences',
  'scanOptions',
] as const satisfies readonly (keyof ReportDocument)[];

// Compile-time check that the list names every field of ReportDocument.
type Missing = Exclude<keyof ReportDocument, (typeof REPORT_FIELDS)[number]>;
const everyField: [Missing] extends [never] ? true : Missing = true;
void everyField;

export type ReportField = (typeof REPORT_FIELDS)[number];

/** Named sections and the fields each selects. */
export const REPORT_FILTER_SECTIONS: Record<string, readonly ReportField[]> = {
  general: ['file', 'created_date', 'overallState', 'scanOptions', 'fileIndex', 'parentId', 'originPath'],
  finalVerdict: ['finalVerdict'],
  allTags: ['allTags'],
  overallState: ['overallState'],
  taskReference: ['taskReference'],
  subtaskReferences: ['subtaskReferences'],
  allSignalGroups: ['allSignalGroups'],
  iocs: ['iocs'],
  'o:all': ['resources', 'extractedFiles', 'issues'],
};

/** A filter value this module understands (for validators): `general`, `o:all`, `f:resources` ... */
export function isReportFilterValue(value: string): boolean {
  if (value in REPORT_FILTER_SECTIONS || value === 'f:all') return true;
  return value.startsWith('f:') && (REPORT_FIELDS as readonly string[]).includes(value.slice(2));
}

export const REPORT_FILTER_HELP = `one of ${Object.keys(REPORT_FILTER_SECTIONS).join(', ')}, f:all or f:<field> with <field> one of ${REPORT_FIELDS.join(', ')}`;

/** The fields a filter selects, in document order (`id` first, always). `fallback` applies when no filter is given. */
export function selectReportFields(filter: readonly string[] | undefined, fallback: readonly string[] = ['f:all']): ReportField[] {
  const wanted = filter?.length ? filter : fallback;
  if (wanted.includes('f:all')) return [...REPORT_FIELDS];
  const fields = new Set<string>(['id']);
  for (const value of wanted) {
    for (const field of value.startsWith('f:') ? [value.slice(2)] : (REPORT_FILTER_SECTIONS[value] ?? [])) fields.add(field);
  }
  return REPORT_FIELDS.filter((f) => fields.has(f));
}

/** The report reduced to the fields the filter selects (whole when `filter` is empty and no other fallback is given). */
export function applyReportFilter(doc: ReportDocument, filter: readonly string[] | undefined, fallback?: readonly string[]): Partial<ReportDocument> {
  const out: Record<string, unknown> = {};
  for (const field of selectReportFields(filter, fallback)) if (doc[field] !== undefined) out[field] = doc[field];
  return out as Partial<ReportDocument>;
}
