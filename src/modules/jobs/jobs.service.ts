import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, Repository } from 'typeorm';
import { UserPrincipal } from '../../common/access/principal';
import { ValidationFailedException } from '../../common/errors/validation';
import { Page, toPage } from '../../common/http/pagination.dto';
import { APP_CONFIG, AppConfig } from '../../config/app-config';
import { AuditTrail } from '../audit/audit-trail';
import {
  EditJobDto,
  EditJobResultDto,
  EnableAllResultDto,
  JobConfigDto,
  JobDto,
  JobLogLineDto,
  JobLogQueryDto,
  JobMemoryDto,
  JobMemoryPeakDto,
  JobMemoryQueryDto,
  JobRunDto,
  JobsConfigDto,
  StopAllResultDto,
} from './dtos/job.dto';
import { cronProblem, describeSchedule, effectiveSchedule, JobDefinition, nextOccurrence } from './job-definition';
import { JobRunner, MAX_LOG_LINES, RUNS_KEPT_PER_JOB, SCHEDULING_ROLES } from './job-runner.service';
import { JobRun, JobRunState } from './job-run.entity';
import { ScheduledJobRecord } from './scheduled-job.entity';

const RUNNING = [JobRunState.Running, JobRunState.Overrun];

/** The admin panel's view of the scheduled jobs: listing, configuration, runs, memory and logs. */
@Injectable()
export class JobsService {
  constructor(
    private readonly runner: JobRunner,
    @InjectRepository(JobRun) private readonly runs: Repository<JobRun>,
    @InjectRepository(ScheduledJobRecord) private readonly records: Repository<ScheduledJobRecord>,
    @Inject(APP_CONFIG) private readonly appConfig: AppConfig,
  ) {}

  async list(): Promise<JobDto[]> {
    await this.runner.failAbandoned();
    const defs = this.runner.list();
    const records = await this.recordsByName();
    const lastRuns = await this.lastRuns(defs.map((d) => d.name));
    const running = new Set(
      (await this.runs.find({ select: { job: true }, where: { state: In(RUNNING) } })).map((r) => r.job),
    );
    return defs.map((def) => this.jobDto(def, records.get(def.name), lastRuns.get(def.name) ?? null, running.has(def.name)));
  }

  async getJob(name: string): Promise<JobDto> {
    const def = this.runner.get(name);
    const record = await this.records.findOneBy({ name });
    const last = (await this.lastRuns([name])).get(name) ?? null;
    const running = await this.runs.exists({ where: { job: name, state: In(RUNNING) } });
    return this.jobDto(def, record ?? undefined, last, running);
  }

  async config(): Promise<JobsConfigDto> {
    const records = await this.recordsByName();
    return {
      scheduling_roles: [...SCHEDULING_ROLES],
      process: { host: this.runner.host, role: this.appConfig.role, schedules: this.runner.schedules },
      runs_kept_per_job: RUNS_KEPT_PER_JOB,
      max_log_lines: MAX_LOG_LINES,
      jobs: this.runner.list().map((def) => this.configDto(def, records.get(def.name))),
    };
  }

  /** Enables or disables the job, changes its cron, runs it now or stops it (in that order). */
  async edit(actor: UserPrincipal, name: string, dto: EditJobDto): Promise<EditJobResultDto> {
    const def = this.runner.get(name);
    if (typeof dto.cron === 'string') {
      const problem = cronProblem(dto.cron);
      if (problem) throw new ValidationFailedException([{ field: 'cron', messages: [problem] }]);
    }
    const existing = await this.records.findOneBy({ name });
    const before = this.configDto(def, existing ?? undefined);
    if (dto.enabled !== undefined || dto.cron !== undefined) {
      await this.records.upsert(
        {
          name,
          enabled: dto.enabled ?? existing?.enabled ?? null,
          cron: dto.cron !== undefined ? (dto.cron?.trim() || null) : (existing?.cron ?? null),
          updatedBy: actor.id,
          updatedAt: new Date(),
        },
        ['name'],
      );
      // This process reschedules now; the others within their refresh period.
      await this.runner.refreshSchedules();
    }
    let runId: string | null = null;
    let stopped: string[] = [];
    if (dto.action === 'run') runId = (await this.runner.runNow(name)).runId;
    if (dto.action === 'stop') stopped = await this.runner.requestStop(name);
    const after = this.configDto(def, (await this.records.findOneBy({ name })) ?? undefined);
    AuditTrail.describe({ targetType: 'job', targetId: name, before, after, details: { action: dto.action ?? null, runId, stoppedRuns: stopped } });
    return { job: await this.getJob(name), run_id: runId, stopped_runs: stopped };
  }

  /** Stops every running run, wherever it runs, and disables every job so that nothing starts until enable/all. */
  async stopAll(actor: UserPrincipal): Promise<StopAllResultDto> {
    const names = this.runner.list().map((d) => d.name);
    await this.setAllEnabled(actor, names, false);
    const stopped = await this.runner.requestStop();
    AuditTrail.describe({ targetType: 'job', details: { disabled: names, stoppedRuns: stopped } });
    return { stopped_runs: stopped, disabled: names };
  }

  async enableAll(actor: UserPrincipal): Promise<EnableAllResultDto> {
    const names = this.runner.list().map((d) => d.name);
    await this.setAllEnabled(actor, names, true);
    AuditTrail.describe({ targetType: 'job', details: { enabled: names } });
    return { enabled: names };
  }

  async memory(query: JobMemoryQueryDto): Promise<JobMemoryDto> {
    const m = process.memoryUsage();
    let runs: JobRun[];
    if (query.job_name) {
      this.runner.get(query.job_name);
      runs = await this.runs.find({ where: { job: query.job_name }, order: { startedAt: 'DESC' }, take: 50 });
    } else {
      await this.runner.failAbandoned();
      runs = await this.runs.find({ where: { state: In(RUNNING) }, order: { startedAt: 'ASC' } });
    }
    return {
      process: {
        host: this.runner.host,
        role: this.appConfig.role,
        rss: m.rss,
        heap_total: m.heapTotal,
        heap_used: m.heapUsed,
        external: m.external,
        array_buffers: m.arrayBuffers,
        sampled_at: new Date(),
      },
      runs: runs.map(JobRunDto.from),
    };
  }

  /** Per job, the run with the highest peak RSS among the kept runs. */
  async memoryPeaks(): Promise<JobMemoryPeakDto[]> {
    const rows: { job: string; peak_rss: string | null; peak_heap_used: string | null; run_id: string | null; at: Date | null; runs: number }[] =
      await this.runs.query(
        `SELECT DISTINCT ON (job) job, peak_rss, max(peak_heap_used) OVER (PARTITION BY job) AS peak_heap_used, id AS run_id, started_at AS at,
                count(*) OVER (PARTITION BY job)::int AS runs
           FROM job_runs WHERE peak_rss IS NOT NULL
          ORDER BY job, peak_rss DESC, started_at DESC`,
      );
    const byJob = new Map(rows.map((r) => [r.job, r]));
    return this.runner.list().map((def) => {
      const r = byJob.get(def.name);
      return {
        job: def.name,
        peak_rss: r?.peak_rss ? Number(r.peak_rss) : null,
        peak_heap_used: r?.peak_heap_used ? Number(r.peak_heap_used) : null,
        run_id: r?.run_id ?? null,
        at: r?.at ?? null,
        runs: r?.runs ?? 0,
      };
    });
  }

  /** The job's log lines: newest runs first, each run's lines in the order they were written. */
  async log(name: string, query: JobLogQueryDto): Promise<Page<JobLogLineDto>> {
    this.runner.get(name);
    const params: unknown[] = [name];
    let where = 'r.job = $1';
    if (query.run_id) {
      params.push(query.run_id);
      where += ` AND r.id = $${params.length}`;
    }
    const [{ total }] = await this.runs.query(`SELECT coalesce(sum(jsonb_array_length(r.log)), 0)::int AS total FROM job_runs r WHERE ${where}`, params);
    const rows: { run_id: string; at: string; message: string }[] = await this.runs.query(
      `SELECT r.id AS run_id, l.line->>'at' AS at, l.line->>'message' AS message
         FROM job_runs r CROSS JOIN LATERAL jsonb_array_elements(r.log) WITH ORDINALITY AS l(line, n)
        WHERE ${where}
        ORDER BY r.started_at DESC, r.id, l.n
        OFFSET $${params.length + 1} LIMIT $${params.length + 2}`,
      [...params, query.offset, query.limit],
    );
    return toPage(rows, total, query);
  }

  private async setAllEnabled(actor: UserPrincipal, names: string[], enabled: boolean): Promise<void> {
    if (!names.length) return;
    const existing = await this.recordsByName();
    await this.records.upsert(
      names.map((name) => ({ name, enabled, cron: existing.get(name)?.cron ?? null, updatedBy: actor.id, updatedAt: new Date() })),
      ['name'],
    );
  }

  private async recordsByName(): Promise<Map<string, ScheduledJobRecord>> {
    return new Map((await this.records.find()).map((r) => [r.name, r]));
  }

  private async lastRuns(names: string[]): Promise<Map<string, JobRun>> {
    if (!names.length) return new Map();
    const ids: { id: string }[] = await this.runs.query(
      `SELECT DISTINCT ON (job) id FROM job_runs WHERE job = ANY($1) ORDER BY job, started_at DESC, id DESC`,
      [names],
    );
    if (!ids.length) return new Map();
    const rows = await this.runs.find({ where: { id: In(ids.map((r) => r.id)) } });
    return new Map(rows.map((r) => [r.job, r]));
  }

  private jobDto(def: JobDefinition, record: ScheduledJobRecord | undefined, last: JobRun | null, running: boolean): JobDto {
    const schedule = effectiveSchedule(def, record?.cron);
    const enabled = record?.enabled ?? def.defaultEnabled;
    return {
      name: def.name,
      description: def.description,
      schedule: describeSchedule(schedule),
      enabled,
      running,
      next_run_at: enabled ? nextOccurrence(schedule) : null,
      last_run: last ? JobRunDto.from(last) : null,
    };
  }

  private configDto(def: JobDefinition, record: ScheduledJobRecord | undefined): JobConfigDto {
    return {
      name: def.name,
      description: def.description,
      enabled: record?.enabled ?? def.defaultEnabled,
      default_enabled: def.defaultEnabled,
      schedule: describeSchedule(effectiveSchedule(def, record?.cron)),
      default_cron: def.cron,
      cron_override: record?.cron ?? null,
      interval_seconds: def.intervalSeconds,
      timeout_ms: def.timeoutMs,
      updated_at: record?.updatedAt ?? null,
      updated_by: record?.updatedBy ?? null,
    };
  }
}
