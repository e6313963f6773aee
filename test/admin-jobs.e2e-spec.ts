import { SchedulerRegistry } from '@nestjs/schedule';
import { UserGroup } from '../src/common/access/user-group';
import { JobRunner } from '../src/modules/jobs/job-runner.service';
import { JobContext } from '../src/modules/jobs/scheduled-job.decorator';
import { TestApp } from './support/test-app';

const PRUNE = 'rate-counters.prune';
const SLOW = 'test.slow';

/** Polls `check` until it returns a truthy value (or fails after `ms`). */
async function eventually<T>(check: () => Promise<T | undefined | null | false>, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A job that logs a line every 50 ms until it is stopped: registered in both processes, as a job of the code base would be. */
const slowJob = async (ctx: JobContext) => {
  let n = 0;
  while (!ctx.signal.aborted) {
    ctx.log(`tick ${++n}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return { summary: `ticked ${n} times`, counts: { ticks: n } };
};

describe('Admin jobs (two processes on one database)', () => {
  let a: TestApp;
  let b: TestApp;
  let admin: string;
  beforeAll(async () => {
    // Both in the `all` role, so both schedule; health checks off to keep the job tables quiet.
    a = await TestApp.start({ APP_ROLE: 'all', HEALTHCHECK_INTERVAL: '0' });
    b = await TestApp.start({ APP_ROLE: 'all', HEALTHCHECK_INTERVAL: '0' }, { databaseUrl: a.config.database.url });
    for (const t of [a, b]) await t.app.get(JobRunner).register({ name: SLOW, description: 'Ticks until stopped', cron: '0 0 1 1 *', enabled: false }, slowJob);
    admin = await a.login();
  }, 60_000);
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  it('runs one scheduled occurrence once when both processes fire it', async () => {
    await a.db.query(
      `INSERT INTO rate_counters (bucket, window_start, count) VALUES ('x', now() - interval '3 days', 1), ('y', now() - interval '4 days', 2), ('z', now(), 3)`,
    );
    const slot = new Date('2030-01-01T10:00:00Z');
    const results = await Promise.all([a.app.get(JobRunner).fire(PRUNE, slot), b.app.get(JobRunner).fire(PRUNE, slot)]);
    expect(results.sort()).toEqual([expect.stringMatching(/^(locked|taken)$/), 'ran'].sort());
    // A process waking later for the same slot finds it taken.
    expect(await b.app.get(JobRunner).fire(PRUNE, slot)).toBe('taken');
    const { rows } = await a.db.query(`SELECT state, trigger, counts, summary, host FROM job_runs WHERE job = $1 AND slot = $2`, [PRUNE, slot]);
    expect(rows).toEqual([
      { state: 'succeeded', trigger: 'schedule', counts: { pruned: 2 }, summary: 'Pruned 2 expired rate-counter windows', host: expect.any(String) },
    ]);
    expect((await a.db.query(`SELECT bucket FROM rate_counters ORDER BY bucket`)).rows).toEqual([{ bucket: 'z' }]);
    // The next slot runs again.
    expect(await b.app.get(JobRunner).fire(PRUNE, new Date('2030-01-01T11:00:00Z'))).toBe('ran');
    expect(Number((await a.db.query(`SELECT count(*) FROM job_runs WHERE job = $1`, [PRUNE])).rows[0].count)).toBe(2);
  });

  it('lists the jobs with schedule, state, next and last run', async () => {
    const res = await a.request('/api/admin/jobs', { token: admin });
    expect(res.status).toBe(200);
    const names = res.body.map((j: { name: string }) => j.name);
    expect(names).toEqual(expect.arrayContaining([PRUNE, 'system.healthcheck', SLOW]));
    const prune = res.body.find((j: { name: string }) => j.name === PRUNE);
    expect(prune).toMatchObject({ schedule: '0 * * * *', enabled: true, running: false, last_run: { state: 'succeeded', slot: '2030-01-01T11:00:00.000Z', counts: { pruned: 0 } } });
    const next = new Date(prune.next_run_at);
    expect(next.getUTCMinutes()).toBe(0);
    expect(next.getTime()).toBeGreaterThan(Date.now());
    // HEALTHCHECK_INTERVAL=0: the health recorder is known but unscheduled.
    expect(res.body.find((j: { name: string }) => j.name === 'system.healthcheck')).toMatchObject({ schedule: 'not scheduled', next_run_at: null });
    expect(res.body.find((j: { name: string }) => j.name === SLOW)).toMatchObject({ enabled: false, next_run_at: null, last_run: null });
  });

  it('runs a job on request, refuses a second run anywhere, stops it from the other process, and keeps its log and memory peaks', async () => {
    const started = await a.request(`/api/admin/jobs/${SLOW}`, { token: admin, body: { action: 'run' } });
    expect(started.status).toBe(200);
    const runId = started.body.run_id;
    expect(started.body.job).toMatchObject({ name: SLOW, running: true });

    const tokenB = await b.login();
    expect((await b.request(`/api/admin/jobs/${SLOW}`, { token: tokenB, body: { action: 'run' } })).status).toBe(409);

    // While it runs, its heartbeat brings peaks and log lines to the table, visible from any process.
    const during = await eventually(async () => {
      const res = await b.request('/api/admin/jobs/memory', { token: tokenB });
      const run = res.body.runs.find((r: { id: string }) => r.id === runId);
      return run?.log_lines > 0 ? res.body : null;
    });
    expect(during.process).toMatchObject({ host: expect.stringMatching(/:\d+$/), role: 'all' });
    expect(during.process.rss).toBeGreaterThan(during.process.heap_used);
    expect(during.runs.find((r: { id: string }) => r.id === runId).peak_rss).toBeGreaterThan(0);

    const stop = await b.request(`/api/admin/jobs/${SLOW}`, { token: tokenB, body: { action: 'stop' } });
    expect(stop.status).toBe(200);
    expect(stop.body.stopped_runs).toEqual([runId]);
    const run = await eventually(async () => {
      const { rows } = await a.db.query(`SELECT * FROM job_runs WHERE id = $1 AND state <> 'running'`, [runId]);
      return rows[0];
    });
    expect(run).toMatchObject({ state: 'stopped', trigger: 'manual', error: 'Stopped by an administrator', slot: null });
    expect(run.counts.ticks).toBe(run.log.length);
    expect(run.log[0].message).toBe('tick 1');
    expect(run.summary).toBe(`ticked ${run.counts.ticks} times`);

    const log = await a.request(`/api/admin/jobs/${SLOW}/log?limit=2&page=2`, { token: admin });
    expect(log.status).toBe(200);
    expect(log.body).toEqual({
      items: [
        { run_id: runId, at: run.log[2].at, message: 'tick 3' },
        { run_id: runId, at: run.log[3].at, message: 'tick 4' },
      ],
      total: run.log.length,
      page: 2,
      limit: 2,
    });

    const peaks = await a.request('/api/admin/jobs/memory/peaks', { token: admin });
    expect(peaks.status).toBe(200);
    expect(peaks.body.find((p: { job: string }) => p.job === SLOW)).toEqual({
      job: SLOW,
      peak_rss: Number(run.peak_rss),
      peak_heap_used: Number(run.peak_heap_used),
      run_id: runId,
      at: run.started_at.toISOString(),
      runs: 1,
    });
    const byJob = await a.request(`/api/admin/jobs/memory?job_name=${SLOW}`, { token: admin });
    expect(byJob.body.runs.map((r: { id: string }) => r.id)).toEqual([runId]);
  });

  it('disables, re-schedules and re-enables a job, with the change audited before and after', async () => {
    const off = await a.request(`/api/admin/jobs/${PRUNE}`, { token: admin, body: { enabled: false, cron: '*/5 * * * *' } });
    expect(off.status).toBe(200);
    expect(off.body.job).toMatchObject({ enabled: false, schedule: '*/5 * * * *', next_run_at: null });
    // Disabled: a scheduled occurrence does nothing, in either process.
    expect(await b.app.get(JobRunner).fire(PRUNE, new Date('2030-01-02T00:00:00Z'))).toBe('disabled');
    // This process rescheduled at once; the other picks it up on its refresh.
    expect(a.app.get(JobRunner).registeredSchedule(PRUNE)).toBe('*/5 * * * *');
    expect(a.app.get(SchedulerRegistry).getCronJob(PRUNE).cronTime.source).toBe('*/5 * * * *');
    await b.app.get(JobRunner).refreshSchedules();
    expect(b.app.get(JobRunner).registeredSchedule(PRUNE)).toBe('*/5 * * * *');

    const { rows } = await a.db.query(`SELECT outcome, target_type, target_id, before, after FROM audit_logs WHERE action = 'job.edit' ORDER BY id DESC LIMIT 1`);
    expect(rows[0]).toMatchObject({
      outcome: 'success',
      target_type: 'job',
      target_id: PRUNE,
      before: { enabled: true, cron_override: null, schedule: '0 * * * *' },
      after: { enabled: false, cron_override: '*/5 * * * *', schedule: '*/5 * * * *' },
    });

    const config = await a.request('/api/admin/jobs/config', { token: admin });
    expect(config.status).toBe(200);
    expect(config.body.scheduling_roles).toEqual(['worker', 'all']);
    expect(config.body.process).toMatchObject({ role: 'all', schedules: true });
    expect(config.body.jobs.find((j: { name: string }) => j.name === PRUNE)).toMatchObject({
      enabled: false,
      default_enabled: true,
      default_cron: '0 * * * *',
      cron_override: '*/5 * * * *',
      interval_seconds: null,
      timeout_ms: 600_000,
    });

    const reset = await a.request(`/api/admin/jobs/${PRUNE}`, { token: admin, body: { enabled: true, cron: null } });
    expect(reset.body.job).toMatchObject({ enabled: true, schedule: '0 * * * *' });
    expect(a.app.get(SchedulerRegistry).getCronJob(PRUNE).cronTime.source).toBe('0 * * * *');
  });

  it('answers 422 naming the field for a bad cron or action, and 404 for an unknown job', async () => {
    const bad = await a.request(`/api/admin/jobs/${PRUNE}`, { token: admin, body: { cron: 'every day' } });
    expect(bad.status).toBe(422);
    expect(bad.body.errors.map((e: { field: string }) => e.field)).toEqual(['cron']);
    const action = await a.request(`/api/admin/jobs/${PRUNE}`, { token: admin, body: { action: 'explode', enabled: 'yes' } });
    expect(action.status).toBe(422);
    expect(action.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['action', 'enabled']);
    expect((await a.request('/api/admin/jobs/no.such.job', { token: admin, body: { enabled: true } })).status).toBe(404);
    expect((await a.request('/api/admin/jobs/no.such.job/log', { token: admin })).status).toBe(404);
    expect((await a.request('/api/admin/jobs/memory?job_name=no.such.job', { token: admin })).status).toBe(404);
  });

  it('stop/all stops running runs and disables every job until enable/all', async () => {
    const { run_id } = (await a.request(`/api/admin/jobs/${SLOW}`, { token: admin, body: { action: 'run' } })).body;
    const stopAll = await b.request('/api/admin/jobs/stop/all', { token: await b.login(), body: {} });
    expect(stopAll.status).toBe(200);
    expect(stopAll.body.stopped_runs).toEqual([run_id]);
    expect(stopAll.body.disabled).toEqual(expect.arrayContaining([PRUNE, SLOW, 'system.healthcheck']));
    await eventually(async () => (await a.db.query(`SELECT 1 FROM job_runs WHERE id = $1 AND state = 'stopped'`, [run_id])).rowCount);
    const jobs = (await a.request('/api/admin/jobs', { token: admin })).body;
    expect(jobs.every((j: { enabled: boolean }) => !j.enabled)).toBe(true);
    expect(await a.app.get(JobRunner).fire(PRUNE, new Date('2030-01-03T00:00:00Z'))).toBe('disabled');

    const enableAll = await a.request('/api/admin/jobs/enable/all', { token: admin, body: {} });
    expect(enableAll.status).toBe(200);
    expect((await a.request('/api/admin/jobs', { token: admin })).body.every((j: { enabled: boolean }) => j.enabled)).toBe(true);
    const audited = (await a.db.query(`SELECT action FROM audit_logs WHERE action LIKE 'job.%-all' ORDER BY id`)).rows.map((r) => r.action);
    expect(audited).toEqual(['job.stop-all', 'job.enable-all']);
    // Leave the slow job disabled again for the other tests.
    await a.request(`/api/admin/jobs/${SLOW}`, { token: admin, body: { enabled: false } });
  });

  it('marks a run whose process died as failed', async () => {
    const { rows } = await a.db.query(
      `INSERT INTO job_runs (job, trigger, state, host, started_at, heartbeat_at) VALUES ($1, 'manual', 'running', 'gone:1', now() - interval '10 minutes', now() - interval '5 minutes') RETURNING id`,
      [PRUNE],
    );
    const jobs = (await a.request('/api/admin/jobs', { token: admin })).body;
    expect(jobs.find((j: { name: string }) => j.name === PRUNE)).toMatchObject({ running: false });
    const { rows: after } = await a.db.query(`SELECT state, error, duration_ms FROM job_runs WHERE id = $1`, [rows[0].id]);
    expect(after[0]).toEqual({ state: 'failed', error: 'The process running the job stopped before the run ended', duration_ms: 300_000 });
  });

  it('lets auditors read and refuses changes to them; refuses users and guests', async () => {
    const auditor = await a.newUser([UserGroup.Auditor]);
    const user = await a.newUser([UserGroup.User]);
    expect((await a.request('/api/admin/jobs', { token: auditor.token })).status).toBe(200);
    expect((await a.request(`/api/admin/jobs/${PRUNE}/log`, { token: auditor.token })).status).toBe(200);
    expect((await a.request(`/api/admin/jobs/${PRUNE}`, { token: auditor.token, body: { enabled: false } })).status).toBe(403);
    for (const path of ['/api/admin/jobs', '/api/admin/jobs/config', '/api/admin/jobs/memory', '/api/admin/jobs/memory/peaks', `/api/admin/jobs/${PRUNE}/log`]) {
      expect((await a.request(path, { token: user.token })).status).toBe(403);
      expect((await a.request(path)).status).toBe(401);
    }
    for (const path of [`/api/admin/jobs/${PRUNE}`, '/api/admin/jobs/stop/all', '/api/admin/jobs/enable/all']) {
      expect((await a.request(path, { token: user.token, body: {} })).status).toBe(403);
    }
    expect((await a.db.query(`SELECT count(*)::int AS n FROM job_runs WHERE trigger = 'manual' AND job = $1`, [PRUNE])).rows[0].n).toBe(1); // only the abandoned one above
  });
});

describe('Jobs in the api role', () => {
  it('knows the jobs but schedules none; a manual run still executes', async () => {
    const t = await TestApp.start({ APP_ROLE: 'api', HEALTHCHECK_INTERVAL: '60' });
    try {
      const runner = t.app.get(JobRunner);
      expect(runner.schedules).toBe(false);
      expect(runner.registeredSchedule(PRUNE)).toBeNull();
      expect(t.app.get(SchedulerRegistry).getCronJobs().has(PRUNE)).toBe(false);
      const token = await t.login();
      const res = await t.request(`/api/admin/jobs/${PRUNE}`, { token, body: { action: 'run' } });
      expect(res.status).toBe(200);
      await eventually(async () => (await t.db.query(`SELECT 1 FROM job_runs WHERE id = $1 AND state = 'succeeded'`, [res.body.run_id])).rowCount);
    } finally {
      await t.close();
    }
  });
});
