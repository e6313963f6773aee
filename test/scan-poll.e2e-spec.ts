import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { UserGroup } from '../src/common/access/user-group';
import { verdictOf } from '../src/engine/signals/scoring';
import { FileReport, IocType, Verdict } from '../src/engine/types';
import { buildReportDocument, ReportDocument } from '../src/modules/reports/report-document';
import { FLOW_PROGRESS_CHANNEL } from '../src/modules/scan/analysis-job';
import { FlowEventsService } from '../src/modules/scan/flow-events.service';
import { REPORT_FIELDS } from '../src/modules/reports/report-filter';
import { FlowStreamService } from '../src/modules/scan/flow-stream.service';
import { FlowsService } from '../src/modules/scan/flows.service';
import { TestApp, TestUser } from './support/test-app';

const digest = (algorithm: string, data: Uint8Array) => createHash(algorithm).update(data).digest('hex');

/** A hand-made engine result for one file of a flow's tree. */
function fileReport(index: number, parentIndex: number | null, name: string, verdict: Verdict): FileReport {
  const data = Buffer.from(`content of ${name}`);
  const malicious = verdict === Verdict.Malicious;
  return {
    index,
    parentIndex,
    relation: parentIndex === null ? null : 'archive-member',
    name,
    path: parentIndex === null ? [name] : ['bundle.zip', name],
    depth: parentIndex === null ? 0 : 1,
    size: data.length,
    identity: { kind: 'zip', label: 'ZIP archive', mime: 'application/zip', extension: 'zip', isArchive: true },
    digests: { md5: digest('md5', data), sha1: digest('sha1', data), sha256: digest('sha256', data), sha512: digest('sha512', data), ssdeep: '3:abc:def', tlsh: null },
    resources: { strings: { count: index + 1 } },
    signals: malicious ? [{ id: 'archive.path_traversal', evidence: ['../../evil'], verdict: Verdict.Malicious }] : [],
    iocs: [{ type: IocType.Domain, value: `host${index}.example`, origins: ['strings'] }],
    tags: malicious ? ['traversal'] : [],
    issues: index === 2 ? [{ analyzer: 'strings', message: 'too slow', kind: 'timeout' }] : [],
    analyzers: ['archive', 'strings'],
    verdict: verdictOf(verdict, malicious ? 0.9 : 0.5),
    data,
  };
}

/** Writes the report rows of a flow as the worker would (straight into the table). */
async function insertReports(t: TestApp, flowId: string, files: FileReport[]): Promise<ReportDocument[]> {
  const { rows } = await t.db.query('SELECT owner_id, access_group_id, is_private, scan_options FROM flows WHERE id = $1', [flowId]);
  const flow = rows[0];
  const ids = files.map(() => randomUUID());
  const docs: ReportDocument[] = [];
  for (const file of files) {
    // Distinct creation times, the children first (so created_date order differs from file order).
    const createdAt = new Date(Date.UTC(2025, 0, 1, 12, 0, files.length - file.index));
    const doc = buildReportDocument(file, {
      id: ids[file.index],
      flowId,
      parentId: file.parentIndex === null ? null : ids[file.parentIndex],
      createdAt,
      processTimeMs: 42,
      scanOptions: flow.scan_options,
      children: files.filter((c) => c.parentIndex === file.index).map((c) => ({ reportId: ids[c.index], report: c })),
    });
    docs.push(doc);
    await t.db.query(
      `INSERT INTO reports (id, flow_id, file_index, parent_id, depth, owner_id, access_group_id, is_private, sha256, file_name, file_type, file_kind, mime, size,
                            verdict, threat_level, confidence, tags, data, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)`,
      [
        doc.id, flowId, file.index, doc.parentId, file.depth, flow.owner_id, flow.access_group_id, flow.is_private, file.digests.sha256, file.name,
        file.identity.label, file.identity.kind, file.identity.mime, file.size, file.verdict.verdict, file.verdict.threatLevel, file.verdict.confidence,
        file.tags, JSON.stringify(doc), createdAt,
      ],
    );
  }
  return docs;
}

interface EventStream {
  status: number;
  /** The next event's data (parsed), or null when the stream ended. */
  next(timeoutMs?: number): Promise<any>;
  /** Everything received so far, comments included. */
  text(): string;
  close(): void;
}

async function openEvents(t: TestApp, flowId: string, token?: string): Promise<EventStream & { body?: any }> {
  const controller = new AbortController();
  const res = await fetch(`${t.url}/api/scan/${flowId}/events`, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
    signal: controller.signal,
  });
  if (!(res.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
    return { status: res.status, body: await res.json(), next: async () => null, text: () => '', close: () => undefined };
  }
  const decoder = new TextDecoder();
  let all = '';
  let buffer = '';
  let done = false;
  let wake = () => {};
  // Read in the background, so comments arrive while no event is awaited.
  void (async () => {
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        const text = decoder.decode(chunk, { stream: true });
        all += text;
        buffer += text;
        wake();
      }
    } catch {
      // aborted by close()
    }
    done = true;
    wake();
  })();
  const next = async (timeoutMs = 5000): Promise<any> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = block.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n');
        if (data) return JSON.parse(data);
      }
      if (done) return null;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no event within ${timeoutMs} ms; received: ${all}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  };
  return { status: res.status, next, text: () => all, close: () => controller.abort() };
}

async function eventually(check: () => Promise<boolean> | boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('Scan poll and live progress', () => {
  let t: TestApp;
  let admin: string;
  let flows: FlowsService;
  let owner: TestUser;
  let teammate: TestUser;
  let stranger: TestUser;

  beforeAll(async () => {
    // The api role: nothing consumes the queue, so flows stay as the tests put them.
    t = await TestApp.start({ APP_ROLE: 'api' });
    admin = await t.login();
    flows = t.app.get(FlowsService);
    const { rows } = await t.db.query(`INSERT INTO access_groups (name) VALUES ('red-team') RETURNING id`);
    owner = await t.newUser([UserGroup.User], { accessGroupId: rows[0].id });
    teammate = await t.newUser([UserGroup.User], { accessGroupId: rows[0].id });
    stranger = await t.newUser();
  });
  afterAll(() => t.close());

  async function submit(token: string, fields: Record<string, string> = {}, content: Uint8Array = randomBytes(1000)): Promise<string> {
    const form = new FormData();
    for (const [k, v] of Object.entries(fields)) form.append(k, v);
    form.append('file', new Blob([content]), 'bundle.zip');
    const res = await fetch(`${t.url}/api/scan/file`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
    expect(res.status).toBe(200);
    return ((await res.json()) as { flow_id: string }).flow_id;
  }

  const poll = (flowId: string, query = '', token = owner.token) => t.request(`/api/scan/${flowId}/report${query}`, { token });

  describe('GET /api/scan/{flow_id}/report', () => {
    it('reports a queued flow: nothing finished, no reports yet, a longer poll pause', async () => {
      const flowId = await submit(owner.token, {}, randomBytes(4000));
      const res = await poll(flowId);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        flowId,
        allFinished: false,
        reportsAmount: 0,
        priority: 1,
        pollPause: 5,
        fileSize: 4000,
        fileReadProgressBytes: 0,
        estimated_progress: 0,
        state: 'queued',
        error: null,
        finalVerdict: null,
        reports: {},
      });

      await flows.markRunning(flowId);
      await flows.updateProgress(flowId, 50, 'analyzers');
      const running = await poll(flowId);
      expect(running.body).toMatchObject({ state: 'running', allFinished: false, estimated_progress: 50, fileReadProgressBytes: 2000, reports: {} });
      expect(running.body.pollPause).toBeGreaterThan(0);
      expect(running.body.pollPause).toBeLessThan(5);

      await flows.markFailed(flowId, 'the sample could not be read');
      const failed = await poll(flowId);
      expect(failed.body).toMatchObject({ state: 'failed', allFinished: true, pollPause: 0, error: 'the sample could not be read', finalVerdict: null });
    });

    it('shows private flows only to the owner, the owner’s access group and administrators (404 to others)', async () => {
      const privateFlow = await submit(owner.token, { is_private: 'true' });
      expect((await poll(privateFlow, '', owner.token)).status).toBe(200);
      expect((await poll(privateFlow, '', teammate.token)).status).toBe(200);
      expect((await poll(privateFlow, '', admin)).status).toBe(200);
      const refused = await poll(privateFlow, '', stranger.token);
      expect(refused.status).toBe(404);
      expect(refused.body.message).toBe('Flow not found');

      const publicFlow = await submit(owner.token);
      expect((await poll(publicFlow, '', stranger.token)).status).toBe(200);

      expect((await poll(randomUUID(), '', admin)).status).toBe(404);
      expect((await poll('not-a-uuid', '', admin)).status).toBe(422);
      expect((await t.request(`/api/scan/${publicFlow}/report`)).status).toBe(401);
    });

    describe('with reports', () => {
      let flowId: string;
      let docs: ReportDocument[];
      beforeAll(async () => {
        flowId = await submit(owner.token, { tags: 'case-7' });
        await flows.markRunning(flowId);
        docs = await insertReports(t, flowId, [
          fileReport(0, null, 'bundle.zip', Verdict.Suspicious),
          fileReport(1, 0, 'readme.txt', Verdict.NoThreat),
          fileReport(2, 0, 'payload.exe', Verdict.Malicious),
        ]);
        await flows.markFinished(flowId, verdictOf(Verdict.Malicious, 0.9));
      });

      const reportsOf = async (query: string) => {
        const res = await poll(flowId, query);
        expect(res.status).toBe(200);
        return res.body.reports as Record<string, Record<string, unknown>>;
      };

      it('answers the finished flow with the default sections of every report, in file order', async () => {
        const res = await poll(flowId);
        expect(res.body).toMatchObject({
          flowId,
          allFinished: true,
          reportsAmount: 3,
          pollPause: 0,
          state: 'finished',
          estimated_progress: 100,
          fileReadProgressBytes: 1000,
          error: null,
          finalVerdict: { verdict: 'MALICIOUS', threatLevel: 1, confidence: 0.9 },
        });
        expect(Object.keys(res.body.reports)).toEqual(docs.map((d) => d.id));
        const root = res.body.reports[docs[0].id];
        expect(Object.keys(root)).toEqual(['id', 'fileIndex', 'parentId', 'originPath', 'file', 'created_date', 'overallState', 'finalVerdict', 'allTags', 'scanOptions']);
        expect(root).toEqual({
          id: docs[0].id,
          fileIndex: 0,
          parentId: null,
          originPath: 'bundle.zip',
          file: docs[0].file,
          created_date: docs[0].created_date,
          overallState: 'success',
          finalVerdict: docs[0].finalVerdict,
          allTags: docs[0].allTags,
          scanOptions: docs[0].scanOptions,
        });
        expect(res.body.reports[docs[2].id]).toMatchObject({ parentId: docs[0].id, originPath: 'bundle.zip/payload.exe', allTags: [{ source: 'engine', isRootTag: false, tag: { name: 'traversal' } }] });
      });

      it.each([
        ['general', ['id', 'fileIndex', 'parentId', 'originPath', 'file', 'created_date', 'overallState', 'scanOptions']],
        ['finalVerdict', ['id', 'finalVerdict']],
        ['allTags', ['id', 'allTags']],
        ['overallState', ['id', 'overallState']],
        ['taskReference', ['id', 'taskReference']],
        ['subtaskReferences', ['id', 'subtaskReferences']],
        ['allSignalGroups', ['id', 'allSignalGroups']],
        ['iocs', ['id', 'iocs']],
        ['o:all', ['id', 'resources', 'extractedFiles', 'issues']],
        ['f:resources', ['id', 'resources']],
        ['f:relation', ['id', 'relation']],
        ['finalVerdict,iocs', ['id', 'finalVerdict', 'iocs']],
        ['f:resources&filter=allSignalGroups', ['id', 'allSignalGroups', 'resources']],
        ['f:all', [...REPORT_FIELDS]],
        ['general,f:all', [...REPORT_FIELDS]],
      ])('filter=%s selects %j', async (filter, keys) => {
        const reports = await reportsOf(`?filter=${filter}`);
        for (const doc of docs) {
          expect(Object.keys(reports[doc.id])).toEqual(keys);
          for (const key of keys) expect(reports[doc.id][key]).toEqual(doc[key as keyof ReportDocument]);
        }
      });

      it('returns the report documents whole with f:all', async () => {
        const reports = await reportsOf('?filter=f:all');
        expect(reports[docs[2].id]).toEqual(docs[2]);
        expect(reports[docs[0].id].extractedFiles).toEqual([
          expect.objectContaining({ reportId: docs[1].id, name: 'readme.txt' }),
          expect.objectContaining({ reportId: docs[2].id, name: 'payload.exe', verdict: 'MALICIOUS' }),
        ]);
        expect(reports[docs[2].id].subtaskReferences).toEqual([{ name: 'archive', state: 'SUCCESS' }, { name: 'strings', state: 'TIMEOUT', message: 'too slow' }]);
        expect(reports[docs[2].id].iocs).toEqual({ domain: [{ value: 'host2.example', origins: ['strings'] }] });
      });

      it.each([
        ['', [0, 1, 2]],
        ['fileIndex:asc', [0, 1, 2]],
        ['fileIndex:desc', [2, 1, 0]],
        ['verdict:desc', [2, 0, 1]],
        ['verdict', [1, 0, 2]],
        ['created_date:desc', [0, 1, 2]],
        ['created_date:asc', [2, 1, 0]],
        ['threatLevel:desc', [2, 0, 1]],
        ['fileName:asc', [0, 2, 1]],
        ['verdict:desc,fileIndex:desc', [2, 0, 1]],
      ])('sorting=%s orders the reports by file index %j', async (sorting, order) => {
        const reports = await reportsOf(sorting ? `?sorting=${sorting}&filter=general` : '');
        expect(Object.values(reports).map((r) => r.fileIndex)).toEqual(order);
      });

      it('refuses unknown filters and sortings with 422 naming them', async () => {
        const badFilter = await poll(flowId, '?filter=general,bogus');
        expect(badFilter.status).toBe(422);
        expect(badFilter.body.errors).toEqual([{ field: 'filter', messages: [expect.stringMatching(/unknown values: "bogus" \(allowed: one of general, /)] }]);
        expect((await poll(flowId, '?filter=f:nothing')).status).toBe(422);
        const badSort = await poll(flowId, '?sorting=size:asc');
        expect(badSort.status).toBe(422);
        expect(badSort.body.errors).toEqual([{ field: 'sorting', messages: [expect.stringMatching(/unknown values: "size:asc"/)] }]);
        expect((await poll(flowId, '?sorting=fileIndex:up')).status).toBe(422);
        expect((await poll(flowId, '?colour=red')).status).toBe(422);
      });
    });
  });

  describe('GET /api/scan/{flow_id}/events', () => {
    it('sends the current state first, then the worker’s progress, and ends after the finished event', async () => {
      const flowId = await submit(owner.token);
      const stream = await openEvents(t, flowId, owner.token);
      expect(stream.status).toBe(200);
      expect(await stream.next()).toEqual({ flowId, state: 'queued', progress: 0, message: null });

      await flows.markRunning(flowId);
      expect(await stream.next()).toEqual({ flowId, state: 'running', progress: 0, message: 'analysis started' });
      await flows.updateProgress(flowId, 40, 'archive');
      expect(await stream.next()).toEqual({ flowId, state: 'running', progress: 40, message: 'archive' });
      // Published by another process: a plain NOTIFY on another connection.
      await t.db.query('SELECT pg_notify($1, $2)', [FLOW_PROGRESS_CHANNEL, JSON.stringify({ flowId, state: 'running', progress: 70, message: 'yara' })]);
      expect(await stream.next()).toEqual({ flowId, state: 'running', progress: 70, message: 'yara' });
      await flows.markFinished(flowId, verdictOf(Verdict.NoThreat, 0.5));
      expect(await stream.next()).toEqual({ flowId, state: 'finished', progress: 100, message: 'analysis finished' });
      expect(await stream.next()).toBeNull();
      await eventually(() => t.app.get(FlowEventsService).subscriberCount === 0);
    });

    it('ends at once for a flow that already ended; failed flows say why', async () => {
      const flowId = await submit(owner.token);
      await flows.markFailed(flowId, 'engine crashed');
      const stream = await openEvents(t, flowId, owner.token);
      expect(await stream.next()).toEqual({ flowId, state: 'failed', progress: 100, message: 'engine crashed' });
      expect(await stream.next()).toBeNull();
    });

    it('applies the same visibility rules as the report (404), and needs credentials', async () => {
      const flowId = await submit(owner.token, { is_private: 'yes' });
      const refused = await openEvents(t, flowId, stranger.token);
      expect(refused.status).toBe(404);
      expect(refused.body.message).toBe('Flow not found');
      expect((await openEvents(t, flowId)).status).toBe(401);
      expect((await openEvents(t, 'nope', admin)).status).toBe(422);
      for (const token of [teammate.token, admin]) {
        const stream = await openEvents(t, flowId, token);
        expect(await stream.next()).toMatchObject({ flowId, state: 'queued' });
        stream.close();
      }
    });

    it('shares one listening connection, sends keep-alive comments and unsubscribes clients that leave', async () => {
      const events = t.app.get(FlowEventsService);
      const streams = t.app.get(FlowStreamService);
      streams.keepAliveMs = 50;
      try {
        const flowIds = [await submit(owner.token), await submit(owner.token)];
        const opened = [await openEvents(t, flowIds[0], owner.token), await openEvents(t, flowIds[0], owner.token), await openEvents(t, flowIds[1], owner.token)];
        for (const s of opened) await s.next();
        expect(events.subscriberCount).toBe(3);
        const { rows } = await t.db.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'sandbox-platform:flow-events' AND datname = current_database()`);
        expect(rows[0].n).toBe(1);
        await eventually(() => opened[0].text().includes(': keep-alive\n\n'), 2000);

        for (const s of opened) s.close();
        await eventually(() => events.subscriberCount === 0);
      } finally {
        streams.keepAliveMs = 15_000;
      }
    });

    it('reconnects when the listening connection is lost, and tells clients the current state', async () => {
      const flowId = await submit(owner.token);
      const stream = await openEvents(t, flowId, owner.token);
      expect(await stream.next()).toMatchObject({ state: 'queued' });
      const pid = async () =>
        (await t.db.query(`SELECT pid FROM pg_stat_activity WHERE application_name = 'sandbox-platform:flow-events' AND datname = current_database()`)).rows[0]?.pid;
      const before = await pid();
      await t.db.query('SELECT pg_terminate_backend($1)', [before]);
      // Progress while the connection is down is not lost: the resynchronisation after reconnecting reports it.
      await flows.markRunning(flowId);
      await eventually(async () => {
        const now = await pid();
        return !!now && now !== before;
      });
      let event;
      do event = await stream.next();
      while (event.state !== 'running');
      expect(event).toMatchObject({ flowId, state: 'running' });
      await flows.updateProgress(flowId, 60, 'pe');
      do event = await stream.next();
      while (event.progress !== 60);
      stream.close();
    });
  });
});

describe('Scan live progress on shutdown', () => {
  it('ends open event streams and closes the listening connection when the application stops', async () => {
    const t = await TestApp.start({ APP_ROLE: 'api' });
    let closed = false;
    try {
      const admin = await t.login();
      const form = new FormData();
      form.append('file', new Blob([randomBytes(100)]), 'a.bin');
      const res = await fetch(`${t.url}/api/scan/file`, { method: 'POST', headers: { authorization: `Bearer ${admin}` }, body: form });
      const { flow_id } = (await res.json()) as { flow_id: string };
      const stream = await openEvents(t, flow_id, admin);
      expect(await stream.next()).toMatchObject({ state: 'queued' });
      const started = Date.now();
      await t.close();
      closed = true;
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(await stream.next()).toBeNull();
    } finally {
      if (!closed) await t.close();
    }
  });
});
