import type { ReportDocument } from '../../modules/reports/report-document';

/**
 * What every export (STIX 2.1, MISP, HTML, PDF) renders: one report, the reports of the files
 * extracted from it, and who produced them. Renderers are pure functions of this: the same subject
 * gives the same STIX ids and MISP uuids, whenever and wherever it is rendered.
 */
export interface ExportSubject {
  /** The report asked for (`/api/reports/{report_id}/download`). */
  report: ReportDocument;
  /** The reports of the files extracted from it, at every depth, in file-index order. */
  descendants: ReportDocument[];
  /** Private reports are shared as TLP:AMBER, public ones as TLP:CLEAR. */
  isPrivate: boolean;
  /** When the export was made: shown to people, never part of an id. */
  generatedAt: Date;
  /** The platform as the producer (STIX identity, MISP Orgc). */
  producer: { name: string; url?: string };
}
