import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, QueryRunner } from 'typeorm';
import { APP_CONFIG, AppConfig, AppRole } from '../../config/app-config';
import { EngineFailure, EngineRunner } from '../../engine/engine-runner';
import type { AnalysisIssue, AnalysisResult } from '../../engine/types';
import { fetchUrl } from '../../engine/url/url-fetcher';
import { QueueJob, QueueService } from '../../queue/queue.service';
import { SampleStore } from '../../storage/sample-store';
import { ReportWriter } from '../reports/report-writer.service';
import { ANALYSIS_QUEUE, AnalysisJob } from './analysis-job';
import { failedRootReport, failureKind, failureReason, SampleDigests } from './analysis-failure';
import { engineOptionsFor, readSamplePrefix, YaraRuleSetInput } from './analysis-input';
import { ProgressThrottle } from './analysis-progress';
import { Flow, FlowKind, FlowState } from './flow.entity';
import { FlowsService } from './flows.service';

type AnalysableFlow = Flow & { password: string | null };

/** Idle consumers look for new analyses this often (pg-boss's minimum): a submission waits 0.25 s on average. */
const POLLING_INTERVAL_SECONDS = 0.5;
const PROGRESS_INTERVAL_MS = 250;

/** Raised when another live process holds the flow (a job delivered twice): pg-boss retries later. */
export class FlowBusyError extends Error {}

/**
 * The worker side of a scan: takes analysis jobs from the queue (worker and `all` roles), runs the
 * engine in its threads (EngineRunner) and writes the reports (ReportWriter).
 *
 * - Idempotent: a job for a flow that already finished or failed does nothing; a re-delivered job
 *   (a worker died mid-analysis) re-runs the analysis and the writer replaces what an earlier try
 *   wrote. A session advisory lock per flow keeps two live processes from analysing one flow at once
 *   (a dead process's lock goes with its connection).
 * - Failures: while attempts remain (flow.attempts < SCAN_MAX_ATTEMPTS) the job throws and pg-boss
 *   retries it with backoff; the last attempt writes a failed report for the submitted file or URL
 *   (overallState `failed`, the reason in `issues`, verdict UNKNOWN) and fails the flow with the
 *   reason. A flow whose attempts were all used up by dying workers is failed the same way when its
 *   job comes back. Nothing ends without a report saying what happened.
 * - Samples above ENGINE_MAX_IN_MEMORY are analysed from their first bytes (an issue says so); the
 *   digests of the whole file come from its `samples` row.
 */
@Injectable()
export class AnalysisProcessor implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(AnalysisProcessor.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly queue: QueueService,
    private readonly flows: FlowsService,
    private readonly store: SampleStore,
    private readonly writer: ReportWriter,
    private readonly engine: EngineRunner,
    @InjectDataSource() private readonly db: DataSource,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.queue.consumes) return;
    // A dedicated worker starts its threads now, in the background (the first analyses wait for them,
    // the process does not); in the `all` role they start with the first analysis.
    if (this.config.role === AppRole.Worker) this.engine.start().catch((err: unknown) => this.logger.error({ err }, 'Engine threads did not start'));
    await this.queue.work<AnalysisJob>(ANALYSIS_QUEUE, (job) => this.handle(job), {
      concurrency: this.config.worker.concurrency,
      pollingIntervalSeconds: POLLING_INTERVAL_SECONDS,
    });
  }

  /** After the queue has let running jobs finish (QueueService.beforeApplicationShutdown). */
  async onApplicationShutdown(): Promise<void> {
    await this.engine.close();
  }

  private handle(job: QueueJob<AnalysisJob>): Promise<void> {
    const flowId = job.data?.flowId;
    if (typeof flowId !== 'string' || !/^[0-9a-f-]{36}$/i.test(flowId)) {
      this.logger.warn(`Job ${job.id} has no valid flow id: dropped`);
      return Promise.resolve();
    }
    return this.process(flowId);
  }

  /** Runs (or finishes off) the analysis of one flow; throws when pg-boss should try again. */
  async process(flowId: string): Promise<void> {
    const seen = await this.flows.getForAnalysis(flowId);
    if (!seen) return this.logger.warn(`Flow ${flowId} does not exist (deleted?): nothing to analyse`);
    if (isDone(seen)) return this.logger.log(`Flow ${flowId} is already ${seen.state}: job ignored`);

    const lock = await this.lockFlow(flowId);
    if (!lock) throw new FlowBusyError(`flow ${flowId} is being analysed by another worker`);
    try {
      const flow = await this.flows.getForAnalysis(flowId);
      if (!flow || isDone(flow)) return;
      const maxAttempts = this.config.scan.maxAttempts;
      if (flow.attempts >= maxAttempts) {
        // Every attempt started and none ended: the processes running them died (killed, out of memory).
        await this.fail(flow, `the analysis did not complete in ${flow.attempts} attempt(s): the worker running it stopped`, 'error');
        return;
      }
      await this.flows.markRunning(flowId);
      const attempt = flow.attempts + 1;
      try {
        await this.analyse(flow);
      } catch (err) {
        const reason = failureReason(err);
        // Interrupted by this process's shutdown: not the sample's doing; another worker takes it over.
        if (err instanceof EngineFailure && err.kind === 'closed') throw err;
        if (attempt < maxAttempts) {
          this.logger.warn({ err, flowId, attempt }, `Analysis of flow ${flowId} failed (attempt ${attempt} of ${maxAttempts}), will retry: ${reason}`);
          await this.flows.updateProgress(flowId, 0, `attempt ${attempt} of ${maxAttempts} failed (${reason.slice(0, 300)}); retrying`).catch(() => undefined);
          throw err;
        }
        this.logger.error({ err, flowId, attempt }, `Analysis of flow ${flowId} failed for good: ${reason}`);
        await this.fail(flow, reason, failureKind(err));
      }
    } finally {
      await lock.release();
    }
  }

  private async analyse(flow: AnalysableFlow): Promise<void> {
    const started = Date.now();
    const options = engineOptionsFor(this.config, flow, await this.yaraRuleSets());
    const progress = new ProgressThrottle(
      (percent, message) => this.flows.updateProgress(flow.id, percent, message),
      (err) => this.logger.warn({ err, flowId: flow.id }, 'Could not record progress'),
      PROGRESS_INTERVAL_MS,
    );
    let result: AnalysisResult;
    let extra: Parameters<FlowsService['markFinished']>[2] = {};
    try {
      if (flow.kind === FlowKind.Url) {
        ({ result, extra } = await this.analyseUrl(flow, options, progress));
      } else {
        result = await this.analyseFile(flow, options, progress);
      }
    } finally {
      await progress.close();
    }
    const written = await this.writer.write(flow, result.files, {
      processTimeMs: Date.now() - started,
      storeFiles: flow.scanOptions?.files_download !== false,
    });
    if (!written.written) return; // the flow was deleted meanwhile
    await this.flows.markFinished(flow.id, result.verdict, extra);
    this.logger.log(`Flow ${flow.id} finished: ${result.verdict.verdict}, ${result.files.length} file(s) in ${Date.now() - started} ms`);
  }

  private async analyseFile(flow: AnalysableFlow, options: ReturnType<typeof engineOptionsFor>, progress: ProgressThrottle): Promise<AnalysisResult> {
    const sha256 = flow.sampleSha256;
    if (!sha256) throw new Error('the flow has no sample');
    const sample = await this.sampleDigests(sha256);
    const limit = this.config.engine.maxInMemory;
    const { data, truncated } = await readSamplePrefix(this.store, sha256, limit, sample?.size ?? (flow.fileSize === null ? null : Number(flow.fileSize)));
    progress.report(1, 'sample loaded');
    const analysed = data.byteLength;
    const result = await this.engine.analyze({ name: flow.fileName ?? sha256, data }, options, progress.report);
    const root = result.files[0];
    if (truncated && root) {
      // The engine saw a prefix: the report shows the whole file's size and digests (fuzzy hashes stay the prefix's).
      const size = sample?.size ?? Number(flow.fileSize ?? analysed);
      root.issues.push({
        analyzer: 'engine',
        kind: 'limit',
        message: `the file has ${size} bytes: only its first ${analysed} bytes were analysed (ENGINE_MAX_IN_MEMORY); digests cover the whole file, ssdeep and TLSH the analysed part`,
      });
      root.size = size;
      if (sample) root.digests = { ...root.digests, md5: sample.md5, sha1: sample.sha1, sha256: sample.sha256, sha512: sample.sha512 };
      const file = root.resources.file as Record<string, unknown> | undefined;
      if (file) Object.assign(file, { size, analysedBytes: analysed });
    }
    return result;
  }

  private async analyseUrl(flow: AnalysableFlow, options: ReturnType<typeof engineOptionsFor>, progress: ProgressThrottle) {
    const url = flow.url;
    if (!url) throw new Error('the flow has no URL');
    progress.report(0, 'fetching the URL');
    const { facts, body } = await fetchUrl(url, {
      maxRedirects: this.config.url.maxRedirects,
      timeoutMs: this.config.url.timeout * 1000,
      maxBytes: this.config.url.maxBytes,
      allowPrivate: this.config.url.allowPrivate,
    });
    progress.report(5, facts.ok ? `fetched ${facts.bytes} bytes` : `could not fetch the URL: ${facts.error ?? 'no response'}`);
    const result = await this.engine.analyzeUrl({ url, fetch: facts, body: body ? { name: facts.fileName, data: body } : null }, options, progress.report);
    const download = result.files.find((f) => f.index === 1);
    const extra = download ? { sampleSha256: download.digests.sha256, fileSize: String(download.size) } : {};
    return { result, extra };
  }

  /** The failed report and the failed flow (the last attempt's failure, or attempts used up). */
  private async fail(flow: AnalysableFlow, reason: string, kind: AnalysisIssue['kind']): Promise<void> {
    const sample = flow.sampleSha256 ? await this.sampleDigests(flow.sampleSha256).catch(() => null) : null;
    const report = failedRootReport(flow, sample, reason, kind);
    const written = await this.writer.write(flow, [report], { processTimeMs: 0, overallState: 'failed', storeFiles: false });
    if (written.written) await this.flows.markFailed(flow.id, reason);
  }

  private async sampleDigests(sha256: string): Promise<SampleDigests | null> {
    const [row] = await this.db.query('SELECT sha256, size, md5, sha1, sha512 FROM samples WHERE sha256 = $1', [sha256]);
    return row ? { sha256: row.sha256, size: Number(row.size), md5: row.md5, sha1: row.sha1, sha512: row.sha512 } : null;
  }

  private async yaraRuleSets(): Promise<YaraRuleSetInput[]> {
    return this.db.query('SELECT name, source FROM yara_rules WHERE enabled ORDER BY name');
  }

  /** A session advisory lock on the flow, on a connection of its own held for the analysis; null when another session holds it. */
  private async lockFlow(flowId: string): Promise<{ release(): Promise<void> } | null> {
    const runner: QueryRunner = this.db.createQueryRunner();
    await runner.connect();
    try {
      const [{ locked }] = await runner.query(`SELECT pg_try_advisory_lock(hashtextextended('flow:' || $1, 0)) AS locked`, [flowId]);
      if (!locked) {
        await runner.release();
        return null;
      }
    } catch (err) {
      await runner.release();
      throw err;
    }
    return {
      release: async () => {
        await runner.query(`SELECT pg_advisory_unlock(hashtextextended('flow:' || $1, 0))`, [flowId]).catch(() => undefined);
        await runner.release();
      },
    };
  }
}

const isDone = (flow: Flow) => flow.state === FlowState.Finished || flow.state === FlowState.Failed;
