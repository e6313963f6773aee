import { ANALYSIS_QUEUE, AnalysisJob } from '../../src/modules/scan/analysis-job';
import { analysisJobOptions } from '../../src/modules/scan/analysis-queue';
import { QueueService } from '../../src/queue/queue.service';
import { SamplesService } from '../../src/storage/samples.service';
import { TestApp } from './test-app';

/**
 * Flows made the way the scan API makes them (sample stored and recorded through SamplesService,
 * a `flows` row, a job on the analysis queue), for the worker's tests.
 */

export interface FlowRow {
  id: string;
  state: string;
  attempts: number;
  error: string | null;
  progress: number;
  progress_message: string | null;
  final_verdict: { verdict: string; threatLevel: number; confidence: number } | null;
  sample_sha256: string | null;
  file_size: string | null;
}

export async function enqueue(t: TestApp, flowId: string, priority = 0): Promise<string | null> {
  return t.app.get(QueueService).send<AnalysisJob>(ANALYSIS_QUEUE, { flowId }, analysisJobOptions(t.config, priority));
}

export async function submitFile(
  t: TestApp,
  data: Uint8Array,
  name: string,
  options: { password?: string; scanOptions?: Record<string, unknown>; isPrivate?: boolean; ownerId?: string } = {},
): Promise<string> {
  const stored = await t.app.get(SamplesService).add(data);
  const { rows } = await t.db.query(
    `INSERT INTO flows (kind, owner_id, is_private, sample_sha256, file_name, file_size, scan_options, password)
     VALUES ('file', $1, $2, $3, $4, $5, $6, $7) RETURNING id`,
    [options.ownerId ?? null, options.isPrivate ?? false, stored.sha256, name, stored.size, options.scanOptions ?? {}, options.password ?? null],
  );
  await enqueue(t, rows[0].id);
  return rows[0].id;
}

export async function submitUrl(t: TestApp, url: string): Promise<string> {
  const { rows } = await t.db.query(`INSERT INTO flows (kind, url) VALUES ('url', $1) RETURNING id`, [url]);
  await enqueue(t, rows[0].id);
  return rows[0].id;
}

export async function flowRow(t: TestApp, id: string): Promise<FlowRow> {
  return (await t.db.query('SELECT * FROM flows WHERE id = $1', [id])).rows[0];
}

/** Polls until the flow reaches one of `states` (default: finished or failed); fails the test after `timeoutMs`. */
export async function waitForFlow(t: TestApp, id: string, timeoutMs = 30_000, states = ['finished', 'failed']): Promise<FlowRow> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const flow = await flowRow(t, id);
    if (flow && states.includes(flow.state)) return flow;
    if (Date.now() > deadline) throw new Error(`flow ${id} is still ${flow?.state} (${flow?.progress_message}) after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface ReportRow {
  id: string;
  file_index: number;
  parent_id: string | null;
  depth: number;
  sha256: string | null;
  file_name: string;
  file_kind: string;
  file_type: string;
  size: string;
  verdict: string;
  tags: string[];
  yara_rules: string[];
  data: any;
}

export async function reportsOf(t: TestApp, flowId: string): Promise<ReportRow[]> {
  return (await t.db.query('SELECT * FROM reports WHERE flow_id = $1 ORDER BY file_index', [flowId])).rows;
}

/** The EICAR test string, assembled here so that no file of the repository holds it whole. */
export function eicar(): Buffer {
  const parts = ['X5O!P%@AP[4\\PZX54(P^)7CC)7}', '$EICAR-STANDARD-ANTIVIRUS', '-TEST-FILE!$H+H*'];
  return Buffer.from(parts.join(''), 'ascii');
}
