import { randomBytes } from 'node:crypto';
import { UserGroup } from '../src/common/access/user-group';
import { JobRunner } from '../src/modules/jobs/job-runner.service';
import { SettingsService } from '../src/modules/settings/settings.service';
import { SampleStore } from '../src/storage/sample-store';
import { SamplesService } from '../src/storage/samples.service';
import { ReportFactory } from './support/report-factory';
import { TestApp } from './support/test-app';

const DAY = 86_400_000;
const daysAgo = (n: number) => new Date(Date.now() - n * DAY);

describe('Admin settings groups', () => {
  let t: TestApp;
  let admin: string;
  let adminId: string;
  beforeAll(async () => {
    t = await TestApp.start();
    admin = await t.login();
    adminId = (await t.request('/api/users/me', { token: admin })).body.id;
  });
  afterAll(() => t.close());

  it('answers the defaults for a group never saved', async () => {
    const res = await t.request('/api/admin/settings/retention', { token: admin });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ group: 'retention', values: { report_max_age_days: 0, sample_max_age_days: 0 }, updated_at: null, updated_by: null });
    expect((await t.request('/api/admin/settings/general', { token: admin })).body.values).toEqual({ platform_name: 'Sandbox', public_url: null, login_banner: '' });
    expect((await t.request('/api/admin/settings/scan', { token: admin })).body.values).toEqual({ private_by_default: false, default_tags: [] });
  });

  it('saves the fields given, keeps the others, and serves the group to other modules', async () => {
    const saved = await t.request('/api/admin/settings/general', { token: admin, body: { platform_name: 'ACME Sandbox', public_url: 'https://sandbox.acme.test' } });
    expect(saved.status).toBe(200);
    expect(saved.body).toMatchObject({ group: 'general', values: { platform_name: 'ACME Sandbox', public_url: 'https://sandbox.acme.test', login_banner: '' }, updated_by: adminId });
    const banner = await t.request('/api/admin/settings/general', { token: admin, body: { login_banner: 'Authorised use only' } });
    expect(banner.body.values).toEqual({ platform_name: 'ACME Sandbox', public_url: 'https://sandbox.acme.test', login_banner: 'Authorised use only' });
    const read = await t.request('/api/admin/settings/general', { token: admin });
    expect(read.body).toEqual(banner.body);
    expect(new Date(read.body.updated_at).getTime()).toBeGreaterThan(Date.now() - 60_000);
    expect(await t.app.get(SettingsService).get('general')).toEqual(banner.body.values);
    // null clears the public URL.
    expect((await t.request('/api/admin/settings/general', { token: admin, body: { public_url: null } })).body.values.public_url).toBeNull();
    const tags = await t.request('/api/admin/settings/scan', { token: admin, body: { private_by_default: true, default_tags: ['corp', 'phishing'] } });
    expect(tags.body.values).toEqual({ private_by_default: true, default_tags: ['corp', 'phishing'] });
  });

  it('applies the scan group to new submissions: privacy unless the submitter says otherwise, default tags added', async () => {
    await t.request('/api/admin/settings/scan', { token: admin, body: { private_by_default: true, default_tags: ['corp', 'phishing'] } });
    const flowOf = async (body: object) => {
      const res = await t.request('/api/scan/url', { token: admin, body });
      expect(res.status).toBe(200);
      return (await t.db.query('SELECT is_private, tags FROM flows WHERE id = $1', [res.body.flow_id])).rows[0];
    };
    expect(await flowOf({ url: 'https://example.com/a' })).toEqual({ is_private: true, tags: ['corp', 'phishing'] });
    expect(await flowOf({ url: 'https://example.com/b', is_private: false, tags: ['phishing', 'case-17'] })).toEqual({ is_private: false, tags: ['corp', 'phishing', 'case-17'] });
    await t.request('/api/admin/settings/scan', { token: admin, body: { private_by_default: false, default_tags: [] } });
    expect(await flowOf({ url: 'https://example.com/c' })).toEqual({ is_private: false, tags: [] });
  });

  it('answers 422 naming every bad or unknown field, and changes nothing', async () => {
    const general = await t.request('/api/admin/settings/general', { token: admin, body: { platform_name: '', public_url: 'ftp://files.example.com', colour: 'red' } });
    expect(general.status).toBe(422);
    expect(general.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['colour', 'platform_name', 'public_url']);
    const retention = await t.request('/api/admin/settings/retention', { token: admin, body: { report_max_age_days: -1, sample_max_age_days: '7' } });
    expect(retention.status).toBe(422);
    expect(retention.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['report_max_age_days', 'sample_max_age_days']);
    const tooLong = await t.request('/api/admin/settings/retention', { token: admin, body: { report_max_age_days: 36_501 } });
    expect(tooLong.status).toBe(422);
    const tags = await t.request('/api/admin/settings/scan', { token: admin, body: { default_tags: ['ok', ''] } });
    expect(tags.status).toBe(422);
    expect(tags.body.errors.map((e: { field: string }) => e.field)).toEqual(['default_tags']);
    const notObject = await t.request('/api/admin/settings/retention', { token: admin, body: [1, 2] });
    expect(notObject.status).toBe(422);
    expect((await t.request('/api/admin/settings/retention', { token: admin })).body.values).toEqual({ report_max_age_days: 0, sample_max_age_days: 0 });
  });

  it('answers 404 for an unknown group', async () => {
    expect((await t.request('/api/admin/settings/colours', { token: admin })).status).toBe(404);
    expect((await t.request('/api/admin/settings/colours', { token: admin, body: { a: 1 } })).status).toBe(404);
    expect((await t.request('/api/admin/settings/__proto__', { token: admin })).status).toBe(404);
    expect((await t.request('/api/admin/settings/toString', { token: admin })).status).toBe(404);
  });

  it('audits each save with the group before and after', async () => {
    await t.request('/api/admin/settings/retention', { token: admin, body: { report_max_age_days: 30 } });
    const { rows } = await t.db.query(
      `SELECT actor_id, outcome, target_type, target_id, before, after FROM audit_logs WHERE action = 'settings.save' AND target_id = 'retention' AND outcome = 'success' ORDER BY id`,
    );
    expect(rows).toEqual([
      {
        actor_id: adminId,
        outcome: 'success',
        target_type: 'settings',
        target_id: 'retention',
        before: { report_max_age_days: 0, sample_max_age_days: 0 },
        after: { report_max_age_days: 30, sample_max_age_days: 0 },
      },
    ]);
    // A refused save is audited too, without a change.
    await t.request('/api/admin/settings/retention', { token: admin, body: { report_max_age_days: 'soon' } });
    const failed = await t.db.query(`SELECT outcome, target_type, target_id, after FROM audit_logs WHERE action = 'settings.save' ORDER BY id DESC LIMIT 1`);
    expect(failed.rows[0]).toEqual({ outcome: 'failure', target_type: 'settings', target_id: 'retention', after: null });
  });

  it('lets auditors read, refuses them changes, and refuses users and guests', async () => {
    const auditor = await t.newUser([UserGroup.Auditor]);
    const user = await t.newUser([UserGroup.User]);
    expect((await t.request('/api/admin/settings/general', { token: auditor.token })).status).toBe(200);
    expect((await t.request('/api/admin/settings/general', { token: auditor.token, body: { platform_name: 'x' } })).status).toBe(403);
    expect((await t.request('/api/admin/settings/general', { token: user.token })).status).toBe(403);
    expect((await t.request('/api/admin/settings/general', { token: user.token, body: { platform_name: 'x' } })).status).toBe(403);
    expect((await t.request('/api/admin/settings/general')).status).toBe(401);
    expect((await t.request('/api/admin/retention-calculation', { token: user.token })).status).toBe(403);
    // The quota routes under the same prefix still answer.
    expect((await t.request('/api/admin/settings/api-quota', { token: admin })).status).toBe(200);
  });
});

describe('Retention', () => {
  let t: TestApp;
  let admin: string;
  let factory: ReportFactory;
  beforeAll(async () => {
    t = await TestApp.start();
    admin = await t.login();
    factory = new ReportFactory(t);
  });
  afterAll(() => t.close());

  it('calculates what a setting would remove, and the job removes exactly that, keeping files still referenced', async () => {
    const shared = randomBytes(300);
    // Old: a submission with two extracted files, and one whose file a recent submission shares.
    const oldTree = await factory.flow({ createdAt: daysAgo(100), root: { name: 'old.zip', children: [{ name: 'a.exe' }, { name: 'b.js' }] } });
    const oldShared = await factory.flow({ createdAt: daysAgo(120), root: { name: 'shared-old.bin', content: shared } });
    const recentShared = await factory.flow({ createdAt: daysAgo(1), root: { name: 'shared-new.bin', content: shared } });
    const middle = await factory.flow({ createdAt: daysAgo(40), root: { name: 'middle.pdf' } });
    // Old but still being analysed: never removed, whatever its age.
    const running = await factory.flow({ createdAt: daysAgo(200), root: { name: 'running.doc' } });
    await t.db.query(`UPDATE flows SET state = 'running' WHERE id = $1`, [running.flowId]);
    // Stored files no report refers to: an old one and a recent one.
    const samples = t.app.get(SamplesService);
    const oldOrphan = await samples.add(randomBytes(100));
    const newOrphan = await samples.add(randomBytes(100));
    await t.db.query(`UPDATE samples SET first_seen = now() - interval '45 days' WHERE sha256 = $1`, [oldOrphan.sha256]);

    // Nothing saved yet: keep forever, nothing to remove.
    const none = await t.request('/api/admin/retention-calculation', { token: admin });
    expect(none.status).toBe(200);
    expect(none.body).toEqual({ report_max_age_days: 0, sample_max_age_days: 0, report_cutoff: null, sample_cutoff: null, flows: 0, reports: 0, samples: 0 });

    const calc = await t.request('/api/admin/retention-calculation?report_max_age_days=90&sample_max_age_days=30', { token: admin });
    expect(calc.status).toBe(200);
    // oldTree: 1 flow, 3 reports, 3 files; oldShared: 1 flow, 1 report, its file kept (recentShared uses it); the old orphan.
    expect(calc.body).toMatchObject({ report_max_age_days: 90, sample_max_age_days: 30, flows: 2, reports: 4, samples: 4 });
    expect(new Date(calc.body.report_cutoff).getTime()).toBeCloseTo(daysAgo(90).getTime(), -5);
    // A wider setting counts more: 30 days also takes the 40-day-old submission.
    const wider = await t.request('/api/admin/retention-calculation?report_max_age_days=30', { token: admin });
    expect(wider.body).toMatchObject({ flows: 3, reports: 5, samples: 4, sample_max_age_days: 0, sample_cutoff: null });
    expect((await t.request('/api/admin/retention-calculation?report_max_age_days=-1', { token: admin })).status).toBe(422);
    expect((await t.request('/api/admin/retention-calculation?sample_max_age_days=abc', { token: admin })).status).toBe(422);

    // Save the setting the calculation was asked about; the calculation without parameters now uses it.
    expect((await t.request('/api/admin/settings/retention', { token: admin, body: { report_max_age_days: 90, sample_max_age_days: 30 } })).status).toBe(200);
    const predicted = (await t.request('/api/admin/retention-calculation', { token: admin })).body;
    expect(predicted).toMatchObject({ flows: 2, reports: 4, samples: 4 });

    const { runId, finished } = await t.app.get(JobRunner).runNow('reports.retention');
    await finished;
    const { rows } = await t.db.query(`SELECT state, counts, summary FROM job_runs WHERE id = $1`, [runId]);
    expect(rows[0]).toEqual({ state: 'succeeded', counts: { flows: predicted.flows, reports: predicted.reports, samples: predicted.samples }, summary: 'Removed 2 flows, 4 reports, 4 samples' });

    const flows = (await t.db.query(`SELECT id FROM flows ORDER BY created_at`)).rows.map((r) => r.id);
    expect(flows).toEqual([running.flowId, middle.flowId, recentShared.flowId]);
    expect(Number((await t.db.query(`SELECT count(*) FROM reports WHERE flow_id = ANY($1)`, [[oldTree.flowId, oldShared.flowId]])).rows[0].count)).toBe(0);
    expect(Number((await t.db.query(`SELECT count(*) FROM report_iocs WHERE report_id = ANY($1)`, [oldTree.reports.map((r) => r.id)])).rows[0].count)).toBe(0);
    const store = t.app.get(SampleStore);
    for (const r of oldTree.reports) expect(await store.exists(r.sha256)).toBe(false);
    expect(await store.exists(oldOrphan.sha256)).toBe(false);
    // Still referenced, or too recent: kept, row and content.
    for (const sha256 of [recentShared.root.sha256, middle.root.sha256, running.root.sha256, newOrphan.sha256]) {
      expect(await store.exists(sha256)).toBe(true);
      expect((await t.db.query(`SELECT 1 FROM samples WHERE sha256 = $1`, [sha256])).rowCount).toBe(1);
    }
    // The same setting now finds nothing more to remove.
    expect((await t.request('/api/admin/retention-calculation', { token: admin })).body).toMatchObject({ flows: 0, reports: 0, samples: 0 });
    const again = await t.app.get(JobRunner).runNow('reports.retention');
    await again.finished;
    expect((await t.db.query(`SELECT counts FROM job_runs WHERE id = $1`, [again.runId])).rows[0].counts).toEqual({ flows: 0, reports: 0, samples: 0 });
  });
});
