import { hostname } from 'node:os';
import { performance } from 'node:perf_hooks';
import { BeforeApplicationShutdown, ConflictException, Inject, Injectable, Logger, NotFoundException, OnApplicationBootstrap } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { SchedulerRegistry } from '@nestjs/schedule';
import { InjectRepository } from '@nestjs/typeorm';
import { CronJob } from 'cron';
import { Client } from 'pg';
import { In, Repository } from 'typeorm';
import { APP_CONFIG, AppConfig, AppRole } from '../../config/app-config';
import { definitionFrom, effectiveSchedule, intervalSlot, JobDefinition, JobSchedule, describeSchedule } from './job-definition';
import { JobLogLine, JobRun, JobRunState, JobTrigger } from './job-run.entity';
import { JobContext, JobOutcome, SCHEDULED_JOB, ScheduledJobOptions } from './scheduled-job.decorator';
import { ScheduledJobRecord } from './scheduled-job.entity';

/** Roles whose processes fire schedules; manual runs execute in whichever process receives the request. */
export const SCHEDULING_ROLES: readonly AppRole[] = [AppRole.Worker, AppRole.All];
export const MAX_LOG_LINES = 500;
const MAX_LOG_LINE_LENGTH = 1_000;
const MAX_ERROR_LENGTH = 2_000;
/** Runs kept per job; older ones are pruned after each run. */
export const RUNS_KEPT_PER_JOB = 200;
/** Memory is sampled this often during a run; the row (heartbeat, peaks, log, stop flag) is synced every SYNC_EVERY samples. */
const SAMPLE_MS = 250;
const SYNC_EVERY = 4;
/** A running row whose heartbeat is older than this belongs to a process that died. */
export const STALE_RUN_SECONDS = 60;
/** How often a process looks for schedule changes made through another process. */
const REFRESH_MS = 30_000;
/** Shutdown waits this long for aborted runs to return. */
const SHUTDOWN_WAIT_MS = 10_000;

export type FireResult = 'ran' | 'disabled' | 'locked' | 'taken' | 'unknown';

interface ActiveRun {
  id: string;
  def: JobDefinition;
  controller: AbortController;
  stopReason?: 'stop' | 'shutdown';
  startedAt: number;
  peakRss: number;
  peakHeapUsed: number;
  log: JobLogLine[];
  logDropped: number;
  logDirty: boolean;
  overrun: boolean;
  done: Promise<void>;
}

const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err)).slice(0, MAX_ERROR_LENGTH);
const lockKey = `hashtextextended('job:' || $1, 0)`;

/**
 * Discovers every @ScheduledJob method, schedules it in processes of the scheduling roles, and runs
 * each scheduled occurrence exactly once across all processes: a run holds a session advisory lock
 * on a dedicated connection (no two runs of a job at once, anywhere), and claims its slot with a
 * `job_runs` row under a unique (job, slot) index (a process that wakes later for the same slot
 * finds it taken). Stops reach runs in other processes through the row's `stop_requested` flag,
 * which the running process reads with its heartbeat.
 */
@Injectable()
export class JobRunner implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Jobs');
  readonly host = `${hostname()}:${process.pid}`;
  private readonly definitions = new Map<string, JobDefinition>();
  private readonly scheduled = new Map<string, string>(); // job -> describeSchedule() of what is registered here
  private readonly cronSlots = new Map<string, Date>(); // job -> the occurrence its cron timer fires for next
  private readonly active = new Map<string, ActiveRun>();
  private sampler?: NodeJS.Timeout;
  private refresher?: NodeJS.Timeout;
  private ticks = 0;
  private shuttingDown = false;

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
    private readonly scheduler: SchedulerRegistry,
    @InjectRepository(JobRun) private readonly runs: Repository<JobRun>,
    @InjectRepository(ScheduledJobRecord) private readonly records: Repository<ScheduledJobRecord>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Whether this process fires schedules (its role is one of SCHEDULING_ROLES). */
  get schedules(): boolean {
    return SCHEDULING_ROLES.includes(this.config.role);
  }

  async onApplicationBootstrap(): Promise<void> {
    this.discover();
    if (!this.schedules) return;
    await this.refreshSchedules();
    this.refresher = setInterval(() => void this.refreshSchedules().catch((err) => this.logger.warn({ err }, 'Could not refresh job schedules')), REFRESH_MS);
    this.refresher.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.shuttingDown = true;
    clearInterval(this.refresher);
    for (const name of this.scheduled.keys()) this.unschedule(name);
    for (const run of this.active.values()) {
      run.stopReason ??= 'shutdown';
      run.controller.abort(new Error('The platform is shutting down'));
    }
    const waiting = Promise.all([...this.active.values()].map((r) => r.done));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([waiting, new Promise((resolve) => (timer = setTimeout(resolve, SHUTDOWN_WAIT_MS)))]);
    clearTimeout(timer);
    clearInterval(this.sampler);
  }

  /** Every known job, by name. */
  list(): JobDefinition[] {
    return [...this.definitions.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  get(name: string): JobDefinition {
    const def = this.definitions.get(name);
    if (!def) throw new NotFoundException(`No job named ${name}`);
    return def;
  }

  /** Ids of the runs going on in this process. */
  activeRunIds(): string[] {
    return [...this.active.keys()];
  }

  /**
   * Adds a job whose handler is not a decorated provider method (e.g. one built at run time). It is
   * scheduled like the others in the scheduling roles. Names are unique.
   */
  async register(options: ScheduledJobOptions, handler: JobDefinition['handler']): Promise<JobDefinition> {
    if (this.definitions.has(options.name)) throw new Error(`Two scheduled jobs are named ${options.name}`);
    const def = definitionFrom(options, options.intervalSeconds ? options.intervalSeconds(this.config) : null, handler);
    this.definitions.set(def.name, def);
    if (this.schedules && !this.shuttingDown) {
      const record = await this.records.findOneBy({ name: def.name });
      this.applySchedule(def, effectiveSchedule(def, record?.cron));
    }
    return def;
  }

  /**
   * One scheduled occurrence: runs the job for `slot` unless it is disabled, already running
   * anywhere, or another process has already claimed the slot. Resolves when the run is over.
   */
  async fire(name: string, slot: Date): Promise<FireResult> {
    const def = this.definitions.get(name);
    if (!def || this.shuttingDown) return 'unknown';
    if (!(await this.isEnabled(def))) return 'disabled';
    const client = await this.lockClient();
    try {
      if (!(await this.tryLock(client, name))) return 'locked';
      await this.failAbandoned(name);
      const id = await this.claim(def, JobTrigger.Schedule, slot);
      if (!id) return 'taken';
      await this.execute(def, id, JobTrigger.Schedule);
      return 'ran';
    } finally {
      await this.release(client, name);
    }
  }

  /**
   * An administrator's run: starts now in this process whether the job is enabled or not, and
   * resolves with the run's id once it has started. 409 when a run of the job is going on anywhere.
   */
  async runNow(name: string): Promise<{ runId: string; finished: Promise<void> }> {
    const def = this.get(name);
    if (this.shuttingDown) throw new ConflictException('The platform is shutting down');
    const client = await this.lockClient();
    let id: string | null = null;
    try {
      if (!(await this.tryLock(client, name))) throw new ConflictException(`Job ${name} is running already`);
      await this.failAbandoned(name);
      id = await this.claim(def, JobTrigger.Manual, null);
    } catch (err) {
      await this.release(client, name);
      throw err;
    }
    const runId = id!;
    const finished = this.execute(def, runId, JobTrigger.Manual).finally(() => this.release(client, name));
    return { runId, finished };
  }

  /** Asks every running run of the job (or of every job) to stop, in whichever process it runs. Returns the ids asked. */
  async requestStop(name?: string): Promise<string[]> {
    const qb = this.runs
      .createQueryBuilder()
      .update(JobRun)
      .set({ stopRequested: true })
      .where('state IN (:...states)', { states: [JobRunState.Running, JobRunState.Overrun] })
      .returning(['id']);
    if (name) qb.andWhere('job = :name', { name });
    const { raw } = await qb.execute();
    const ids = (raw as { id: string }[]).map((r) => r.id);
    // Runs in this process stop at once; the others within a heartbeat (SAMPLE_MS * SYNC_EVERY).
    for (const id of ids) this.abortLocal(id, 'stop');
    return ids;
  }

  /** Re-reads administrators' cron overrides and reschedules what changed (called periodically and after an edit here). */
  async refreshSchedules(): Promise<void> {
    if (!this.schedules || this.shuttingDown) return;
    const overrides = new Map((await this.records.find()).map((r) => [r.name, r.cron]));
    for (const def of this.definitions.values()) this.applySchedule(def, effectiveSchedule(def, overrides.get(def.name)));
  }

  /** The schedule registered in this process for the job (null when this process does not schedule it). */
  registeredSchedule(name: string): string | null {
    return this.scheduled.get(name) ?? null;
  }

  /** Marks running rows of the job whose process stopped heartbeating as failed. */
  async failAbandoned(name?: string): Promise<number> {
    const qb = this.runs
      .createQueryBuilder()
      .update(JobRun)
      .set({
        state: JobRunState.Failed,
        error: 'The process running the job stopped before the run ended',
        finishedAt: () => 'heartbeat_at',
        durationMs: () => `(extract(epoch FROM heartbeat_at - started_at) * 1000)::int`,
      })
      .where('state IN (:...states)', { states: [JobRunState.Running, JobRunState.Overrun] })
      .andWhere(`heartbeat_at < now() - make_interval(secs => :stale)`, { stale: STALE_RUN_SECONDS });
    if (name) qb.andWhere('job = :name', { name });
    const ids = this.activeRunIds();
    if (ids.length) qb.andWhere('id NOT IN (:...ids)', { ids });
    return (await qb.execute()).affected ?? 0;
  }

  private discover(): void {
    for (const wrapper of this.discovery.getProviders()) {
      const instance = wrapper.instance as Record<string, unknown> | undefined;
      if (!instance || typeof instance !== 'object' || !wrapper.isDependencyTreeStatic()) continue;
      const prototype = Object.getPrototypeOf(instance) as object;
      for (const method of this.scanner.getAllMethodNames(prototype)) {
        const options = this.reflector.get<ScheduledJobOptions | undefined>(SCHEDULED_JOB, (prototype as Record<string, () => unknown>)[method]);
        if (!options) continue;
        if (this.definitions.has(options.name)) throw new Error(`Two scheduled jobs are named ${options.name}`);
        const fn = (instance[method] as (ctx: JobContext) => Promise<JobOutcome | void>).bind(instance);
        this.definitions.set(options.name, definitionFrom(options, options.intervalSeconds ? options.intervalSeconds(this.config) : null, fn));
      }
    }
    this.logger.log(`${this.definitions.size} scheduled jobs${this.schedules ? '' : ` (not scheduled in the ${this.config.role} role)`}`);
  }

  private applySchedule(def: JobDefinition, schedule: JobSchedule): void {
    const wanted = describeSchedule(schedule);
    if (this.scheduled.get(def.name) === wanted) return;
    this.unschedule(def.name);
    if (schedule.kind === 'none') return;
    const onError = (err: unknown) => this.logger.error({ err, job: def.name }, `Scheduled run of ${def.name} failed to start: ${errorText(err)}`);
    if (schedule.kind === 'interval') {
      // Registered as an interval: every process ticks once per period; the slot is the period the tick falls in.
      const timer = setInterval(() => void this.fire(def.name, intervalSlot(schedule.seconds)).catch(onError), schedule.seconds * 1000);
      this.scheduler.addInterval(def.name, timer);
    } else {
      const job = CronJob.from({
        cronTime: schedule.cron,
        timeZone: 'UTC',
        start: false,
        onTick: () => {
          // The slot is the occurrence computed from the expression, not this process's clock, so every process names it alike.
          const expected = this.cronSlots.get(def.name);
          const now = Date.now();
          const slot = expected && Math.abs(now - expected.getTime()) < 60_000 ? expected : new Date(Math.floor(now / 1000) * 1000);
          this.cronSlots.set(def.name, job.nextDate().toJSDate());
          void this.fire(def.name, slot).catch(onError);
        },
      });
      this.scheduler.addCronJob(def.name, job);
      job.start();
      this.cronSlots.set(def.name, job.nextDate().toJSDate());
    }
    this.scheduled.set(def.name, wanted);
  }

  private unschedule(name: string): void {
    if (this.scheduler.doesExist('cron', name)) this.scheduler.deleteCronJob(name);
    if (this.scheduler.doesExist('interval', name)) this.scheduler.deleteInterval(name);
    this.scheduled.delete(name);
    this.cronSlots.delete(name);
  }

  private async isEnabled(def: JobDefinition): Promise<boolean> {
    const record = await this.records.findOneBy({ name: def.name });
    return record?.enabled ?? def.defaultEnabled;
  }

  /** A connection of its own for the run's session lock: held for the run, never borrowed from the request pool. */
  private async lockClient(): Promise<Client> {
    const client = new Client({ connectionString: this.config.database.url, application_name: 'sandbox-platform:job-lock', connectionTimeoutMillis: 10_000 });
    client.on('error', (err) => this.logger.warn({ err }, `Job lock connection lost: ${errorText(err)}`));
    await client.connect();
    return client;
  }

  private async tryLock(client: Client, name: string): Promise<boolean> {
    const { rows } = await client.query<{ locked: boolean }>(`SELECT pg_try_advisory_lock(${lockKey}) AS locked`, [name]);
    return rows[0].locked;
  }

  private async release(client: Client, name: string): Promise<void> {
    await client.query(`SELECT pg_advisory_unlock(${lockKey})`, [name]).catch(() => undefined);
    await client.end().catch(() => undefined);
  }

  /** Inserts the run's row; null when the slot is taken already. */
  private async claim(def: JobDefinition, trigger: JobTrigger, slot: Date | null): Promise<string | null> {
    const rows: { id: string }[] = await this.runs.query(
      `INSERT INTO job_runs (job, slot, trigger, state, host) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (job, slot) DO NOTHING RETURNING id`,
      [def.name, slot, trigger, JobRunState.Running, this.host],
    );
    return rows[0]?.id ?? null;
  }

  private async execute(def: JobDefinition, id: string, trigger: JobTrigger): Promise<void> {
    const controller = new AbortController();
    const memory = process.memoryUsage();
    let resolveDone!: () => void;
    const run: ActiveRun = {
      id,
      def,
      controller,
      startedAt: performance.now(),
      peakRss: memory.rss,
      peakHeapUsed: memory.heapUsed,
      log: [],
      logDropped: 0,
      logDirty: false,
      overrun: false,
      done: new Promise<void>((resolve) => (resolveDone = resolve)),
    };
    this.active.set(id, run);
    this.startSampler();
    const ctx: JobContext = {
      trigger: trigger === JobTrigger.Manual ? 'manual' : 'schedule',
      signal: controller.signal,
      log: (message: string) => {
        if (run.log.length >= MAX_LOG_LINES) {
          run.logDropped++;
          return;
        }
        run.log.push({ at: new Date().toISOString(), message: String(message).slice(0, MAX_LOG_LINE_LENGTH) });
        run.logDirty = true;
      },
    };
    let state = JobRunState.Succeeded;
    let outcome: JobOutcome | void = undefined;
    let error: string | null = null;
    try {
      outcome = await def.handler(ctx);
      if (controller.signal.aborted) state = JobRunState.Stopped;
    } catch (err) {
      state = controller.signal.aborted ? JobRunState.Stopped : JobRunState.Failed;
      error = errorText(err);
      if (state === JobRunState.Failed) this.logger.warn({ err, job: def.name, runId: id }, `Job ${def.name} failed: ${error}`);
    }
    if (state === JobRunState.Stopped) {
      error ??= run.stopReason === 'shutdown' ? 'Stopped: the platform shut down' : 'Stopped by an administrator';
    }
    this.sample(run);
    this.active.delete(id);
    try {
      await this.runs.update(id, {
        state,
        finishedAt: new Date(),
        durationMs: Math.round(performance.now() - run.startedAt),
        summary: outcome?.summary?.slice(0, MAX_ERROR_LENGTH) ?? null,
        counts: outcome?.counts ?? null,
        error,
        peakRss: String(run.peakRss),
        peakHeapUsed: String(run.peakHeapUsed),
        log: run.log,
        logDropped: run.logDropped,
        heartbeatAt: new Date(),
      });
      await this.prune(def.name);
    } catch (err) {
      this.logger.error({ err, job: def.name, runId: id }, `Could not record the end of run ${id} of ${def.name}: ${errorText(err)}`);
    } finally {
      resolveDone();
    }
  }

  private async prune(job: string): Promise<void> {
    await this.runs.query(
      `DELETE FROM job_runs WHERE job = $1 AND state NOT IN ('running', 'overrun') AND id NOT IN (
         SELECT id FROM job_runs WHERE job = $1 ORDER BY started_at DESC LIMIT $2)`,
      [job, RUNS_KEPT_PER_JOB],
    );
  }

  private abortLocal(id: string, reason: 'stop' | 'shutdown'): void {
    const run = this.active.get(id);
    if (!run || run.controller.signal.aborted) return;
    run.stopReason = reason;
    run.controller.abort(new Error(reason === 'stop' ? 'Stopped by an administrator' : 'The platform is shutting down'));
  }

  private sample(run: ActiveRun): void {
    const m = process.memoryUsage();
    run.peakRss = Math.max(run.peakRss, m.rss);
    run.peakHeapUsed = Math.max(run.peakHeapUsed, m.heapUsed);
    if (!run.overrun && performance.now() - run.startedAt > run.def.timeoutMs) {
      run.overrun = true;
      this.logger.warn(`Job ${run.def.name} (run ${run.id}) is still running after ${run.def.timeoutMs} ms`);
    }
  }

  /** One timer per process while runs go on: memory peaks every SAMPLE_MS, the rows synced every SYNC_EVERY samples. */
  private startSampler(): void {
    if (this.sampler) return;
    this.sampler = setInterval(() => {
      if (!this.active.size) {
        clearInterval(this.sampler);
        this.sampler = undefined;
        return;
      }
      for (const run of this.active.values()) this.sample(run);
      if (++this.ticks % SYNC_EVERY === 0) void this.sync().catch((err) => this.logger.warn({ err }, `Could not sync running jobs: ${errorText(err)}`));
    }, SAMPLE_MS);
    this.sampler.unref();
  }

  /** Heartbeat, peaks, overrun state and new log lines of this process's runs; aborts those an administrator stopped. */
  private async sync(): Promise<void> {
    const runs = [...this.active.values()];
    for (const run of runs) {
      const changes: Record<string, unknown> = { peakRss: String(run.peakRss), peakHeapUsed: String(run.peakHeapUsed), heartbeatAt: new Date() };
      if (run.overrun) changes.state = JobRunState.Overrun;
      if (run.logDirty) {
        changes.log = run.log;
        changes.logDropped = run.logDropped;
        run.logDirty = false;
      }
      // Only while still running: the final update must not be overwritten by a late heartbeat.
      await this.runs.update({ id: run.id, state: In([JobRunState.Running, JobRunState.Overrun]) }, changes);
    }
    if (!runs.length) return;
    const stopped = await this.runs.find({ select: { id: true }, where: { id: In(runs.map((r) => r.id)), stopRequested: true } });
    for (const { id } of stopped) this.abortLocal(id, 'stop');
  }
}
