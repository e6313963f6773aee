import { buildReportDocument, ReportDocument } from '../../modules/reports/report-document';
import { defaultAnalyzers } from '../analyzers';
import { AnalysisPipeline } from '../pipeline';
import { eicar } from '../testing/eicar';
import { testEngineOptions } from '../testing/engine-options';
import { buildZip } from '../testing/samples';
import type { ExportSubject } from './export-subject';
import { uuidV5 } from './stix-facts';

/**
 * Export subjects for the STIX and MISP tests, from real engine runs over files made here: the
 * report documents are what the worker would store.
 */
export const DROPPER_JS = [
  'var u = "http://evil-updates.example-bad.ru/payload.exe";',
  'var x = new ActiveXObject("WScript.Shell");',
  'x.Run("powershell -enc AAAA");',
  'var gate = "http://185.220.101.7/gate.php";',
  '// report to admin@evil-updates.ru',
  '',
].join('\n');

export const CREATED_AT = new Date('2026-03-04T05:06:07.089Z');
const TEST_NS = '3b2f1a6e-1c1d-4c59-8f5e-4a9b0d7c2e11';

const pipeline = new AnalysisPipeline(defaultAnalyzers());

/** Runs the engine on a file and returns its root report document and its descendants. */
export async function analyse(name: string, data: Uint8Array | string, createdAt = CREATED_AT): Promise<{ report: ReportDocument; descendants: ReportDocument[] }> {
  const bytes = typeof data === 'string' ? new Uint8Array(Buffer.from(data, 'utf8')) : data;
  const result = await pipeline.analyze({ name, data: bytes }, testEngineOptions());
  // Ids as stable as the engine's file indexes, so that tests can compare renders across runs.
  const ids = result.files.map((f) => uuidV5(TEST_NS, `${name}:${f.index}`));
  const docs = result.files.map((file, i) =>
    buildReportDocument(file, {
      id: ids[i],
      flowId: uuidV5(TEST_NS, `flow:${name}`),
      parentId: file.parentIndex === null ? null : ids[file.parentIndex],
      createdAt,
      processTimeMs: 100,
      scanOptions: {},
      children: result.files.filter((c) => c.parentIndex === file.index).map((c) => ({ reportId: ids[c.index], report: c })),
    }),
  );
  return { report: docs[0], descendants: docs.slice(1) };
}

export async function subjectOf(name: string, data: Uint8Array | string, isPrivate = false): Promise<ExportSubject> {
  const { report, descendants } = await analyse(name, data);
  return { report, descendants, isPrivate, generatedAt: new Date(), producer: { name: 'Sandbox test platform', url: 'https://sandbox.test' } };
}

export const eicarSubject = (isPrivate = false) => subjectOf('eicar.com', eicar(), isPrivate);
export const dropperSubject = (isPrivate = false) => subjectOf('dropper.js', DROPPER_JS, isPrivate);
export const archiveSubject = () =>
  subjectOf('bundle.zip', buildZip([{ name: 'eicar.com', data: eicar() }, { name: 'dropper.js', data: DROPPER_JS }, { name: 'notes.txt', data: 'Meeting notes: ship on Friday.\n' }]));
