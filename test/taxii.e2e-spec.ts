import { UserGroup } from '../src/common/access/user-group';
import { IocType, Verdict } from '../src/engine/types';
import { COLLECTIONS } from '../src/modules/taxii/taxii.service';
import { removeLicenses } from './support/license';
import { CreatedFlow, newAccessGroup, ReportFactory } from './support/report-factory';
import { itWithStixSchemas } from './support/stix-schema';
import { ApiResponse, TestApp, TestUser } from './support/test-app';

const TAXII = 'application/taxii+json;version=2.1';
const PUBLIC = COLLECTIONS.find((c) => !c.isPrivate)!.id;
const PRIVATE = COLLECTIONS.find((c) => c.isPrivate)!.id;
const hoursAgo = (h: number) => new Date(Date.now() - h * 3600_000);

interface StixLike {
  id: string;
  type: string;
  [key: string]: unknown;
}

describe('TAXII 2.1 server', () => {
  let t: TestApp;
  let admin: string;
  let alice: TestUser; // owner of the private flow, in the team
  let bob: TestUser; // alice's teammate
  let carol: TestUser; // outsider
  const publicFlows: CreatedFlow[] = []; // oldest first, in (created_at, id) order
  let privateFlow: CreatedFlow;
  let freshFlow: CreatedFlow;

  const get = (path: string, token: string, headers: Record<string, string> = {}) => t.request(path, { token, headers });
  const objectsOf = (res: ApiResponse) => (res.body.objects ?? []) as StixLike[];
  const reportIds = (objects: StixLike[]) => objects.filter((o) => o.type === 'report').map((o) => o.id);

  /** Every page of a listing, following `next` until `more` is false. */
  async function allPages(path: string, token: string, limit: number): Promise<{ pages: ApiResponse[]; objects: StixLike[] }> {
    const pages: ApiResponse[] = [];
    let next: string | undefined;
    for (let i = 0; i < 500; i++) {
      const sep = path.includes('?') ? '&' : '?';
      const res = await get(`${path}${sep}limit=${limit}${next ? `&next=${encodeURIComponent(next)}` : ''}`, token);
      expect(res.status).toBe(200);
      pages.push(res);
      if (!res.body.more) return { pages, objects: pages.flatMap(objectsOf) };
      next = res.body.next;
      expect(typeof next).toBe('string');
    }
    throw new Error('paging did not end');
  }

  beforeAll(async () => {
    t = await TestApp.start();
    admin = await t.login();
    const team = await newAccessGroup(t);
    alice = await t.newUser([UserGroup.User], { accessGroupId: team });
    bob = await t.newUser([UserGroup.User], { accessGroupId: team });
    carol = await t.newUser([UserGroup.User]);
    const factory = new ReportFactory(t);
    const malicious = (name: string, domain: string) => ({
      name,
      verdict: Verdict.Malicious,
      iocs: [
        { type: IocType.Domain, value: domain },
        { type: IocType.Url, value: `http://${domain}/gate.php` },
        { type: IocType.Ip, value: '185.220.101.7' },
      ],
    });
    const tie = hoursAgo(7);
    const specs = [
      { createdAt: hoursAgo(10), root: { ...malicious('dropper.exe', 'one.evil-example.ru'), children: [{ name: 'payload.dll', verdict: Verdict.Malicious }] } },
      { createdAt: hoursAgo(9), root: { name: 'notes.txt', verdict: Verdict.NoThreat } },
      { createdAt: hoursAgo(8), root: malicious('loader.js', 'two.evil-example.ru') },
      // Two reports in the same microsecond: the id decides their order.
      { createdAt: tie, root: malicious('a.vbs', 'three.evil-example.ru') },
      { createdAt: tie, root: { name: 'b.hta', verdict: Verdict.Suspicious } },
    ];
    for (const spec of specs) publicFlows.push(await factory.flow({ ownerId: carol.id, ...spec }));
    publicFlows.sort((a, b) => a.root.document.created_date.localeCompare(b.root.document.created_date) || a.root.id.localeCompare(b.root.id));
    // PostgreSQL keeps microseconds: so must date_added, added_after and next.
    await t.db.query(`UPDATE reports SET created_at = created_at + interval '456 microseconds' WHERE flow_id = $1`, [publicFlows[2].flowId]);
    privateFlow = await factory.flow({ ownerId: alice.id, accessGroupId: team, isPrivate: true, createdAt: hoursAgo(6), root: malicious('secret.docm', 'private.evil-example.ru') });
    // Younger than FEED_SETTLE_SECONDS: its writer's transaction could still be open, so it is not served yet.
    freshFlow = await factory.flow({ ownerId: carol.id, root: malicious('fresh.exe', 'fresh.evil-example.ru') });
  });

  afterAll(() => t?.close());

  it('refuses callers without credentials (401) on every endpoint', async () => {
    for (const path of ['/taxii2/', '/taxii2/api/', '/taxii2/api/collections/', `/taxii2/api/collections/${PUBLIC}/objects/`, `/taxii2/api/collections/${PUBLIC}/manifest/`]) {
      const res = await t.request(path);
      expect([path, res.status]).toEqual([path, 401]);
    }
  });

  it('discovery names the API root with absolute URLs, in the TAXII media type', async () => {
    const res = await get('/taxii2/', admin);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(TAXII);
    expect(res.body).toEqual({
      title: 'Sandbox platform TAXII server',
      description: expect.any(String),
      default: `${t.url}/taxii2/api/`,
      api_roots: [`${t.url}/taxii2/api/`],
    });
  });

  it('the API root and the collections', async () => {
    const root = await get('/taxii2/api/', alice.token);
    expect(root.status).toBe(200);
    expect(root.body).toMatchObject({ versions: [TAXII], max_content_length: 1048576 });

    const list = await get('/taxii2/api/collections/', alice.token);
    expect(list.status).toBe(200);
    expect(list.headers.get('content-type')).toBe(TAXII);
    expect(list.body.collections.map((c: { id: string; can_read: boolean; can_write: boolean; media_types: string[] }) => [c.id, c.can_read, c.can_write, c.media_types])).toEqual([
      [PUBLIC, true, false, ['application/stix+json;version=2.1']],
      [PRIVATE, true, false, ['application/stix+json;version=2.1']],
    ]);
    const one = await get(`/taxii2/api/collections/${PRIVATE}/`, alice.token);
    expect(one.status).toBe(200);
    expect(one.body.title).toBe('Private analyses');
    expect((await get('/taxii2/api/collections/00000000-0000-4000-8000-000000000000/', alice.token)).status).toBe(404);
    expect((await get('/taxii2/api/collections/not-a-uuid/objects/', alice.token)).status).toBe(422);
  });

  it('content negotiation: TAXII 2.1, application/json and wildcards are served; anything else is 406', async () => {
    const path = `/taxii2/api/collections/${PUBLIC}/`;
    for (const accept of [TAXII, 'application/taxii+json', 'application/json', '*/*', 'application/*', 'text/html, application/json;q=0.5']) {
      const res = await get(path, admin, { accept });
      expect([accept, res.status, res.headers.get('content-type')]).toEqual([accept, 200, TAXII]);
    }
    for (const accept of ['application/xml', 'application/taxii+json;version=2.0', 'application/stix+json;version=2.1', 'application/json;q=0']) {
      const res = await get(path, admin, { accept });
      expect([accept, res.status]).toEqual([accept, 406]);
      expect(res.body.message).toContain('application/taxii+json;version=2.1');
    }
  });

  it('the public collection: the STIX objects of every settled public root report, oldest first', async () => {
    const res = await get(`/taxii2/api/collections/${PUBLIC}/objects/?limit=1000`, carol.token);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(TAXII);
    expect(res.body.more).toBe(false);
    expect(res.body.next).toBeUndefined();
    const objects = objectsOf(res);
    expect(reportIds(objects)).toEqual(publicFlows.map((f) => `report--${f.root.id}`));
    // Not the private report, not the one still settling, never a child report on its own.
    const all = JSON.stringify(objects);
    expect(all).not.toContain(privateFlow.root.id);
    expect(all).not.toContain(freshFlow.root.id);
    expect(all).not.toContain('private.evil-example.ru');
    // The child's file is an object of its root report's bundle.
    expect(objects.filter((o) => o.type === 'file' && o.name === 'payload.dll')).toHaveLength(1);
    expect(objects.filter((o) => o.type === 'malware').map((o) => o.name)).toEqual(['dropper.exe', 'loader.js', 'a.vbs']);
    expect(objects.filter((o) => o.type === 'indicator' && o.pattern === "[domain-name:value = 'two.evil-example.ru']")).toHaveLength(1);
    const first = publicFlows[0].root.document.created_date;
    expect(res.headers.get('x-taxii-date-added-first')).toBe(first.replace(/\.(\d{3})Z$/, '.$1000Z'));
    expect(res.headers.get('x-taxii-date-added-last')).toBe(publicFlows[4].root.document.created_date.replace(/\.(\d{3})Z$/, '.$1000Z'));
  });

  it('paging with next neither repeats nor misses an object, whatever the page size', async () => {
    const whole = objectsOf(await get(`/taxii2/api/collections/${PUBLIC}/objects/?limit=1000`, carol.token));
    for (const limit of [1, 7, 23]) {
      const { pages, objects } = await allPages(`/taxii2/api/collections/${PUBLIC}/objects/`, carol.token, limit);
      expect(objects.map((o) => o.id)).toEqual(whole.map((o) => o.id));
      expect(pages.slice(0, -1).every((p) => objectsOf(p).length === limit)).toBe(true);
      expect(pages.length).toBe(Math.ceil(whole.length / limit));
    }
  });

  it('added_after returns only what was added later; the last X-TAXII-Date-Added-Last polls for new objects', async () => {
    const page = await get(`/taxii2/api/collections/${PUBLIC}/objects/?limit=1000&added_after=${encodeURIComponent(publicFlows[1].root.document.created_date)}`, carol.token);
    expect(page.status).toBe(200);
    expect(reportIds(objectsOf(page))).toEqual(publicFlows.slice(2).map((f) => `report--${f.root.id}`));
    const last = page.headers.get('x-taxii-date-added-last')!;
    const poll = await get(`/taxii2/api/collections/${PUBLIC}/objects/?added_after=${encodeURIComponent(last)}`, carol.token);
    expect(poll.status).toBe(200);
    expect(poll.body).toEqual({ more: false });
    expect(poll.headers.get('x-taxii-date-added-first')).toBeNull();
    // To the microsecond: the report at .xxx456 is after .xxx455 and not after .xxx456.
    const at = publicFlows[2].root.document.created_date.replace(/\.(\d{3})Z$/, '.$1456Z');
    const justBefore = await get(`/taxii2/api/collections/${PUBLIC}/objects/?match[type]=report&added_after=${at.replace('456Z', '455Z')}`, carol.token);
    expect(reportIds(objectsOf(justBefore))).toEqual(publicFlows.slice(2).map((f) => `report--${f.root.id}`));
    expect(justBefore.headers.get('x-taxii-date-added-first')).toBe(at);
    const exactly = await get(`/taxii2/api/collections/${PUBLIC}/objects/?match[type]=report&added_after=${at}`, carol.token);
    expect(reportIds(objectsOf(exactly))).toEqual(publicFlows.slice(3).map((f) => `report--${f.root.id}`));
    // added_after and next together: paging inside the filtered range.
    const { objects } = await allPages(`/taxii2/api/collections/${PUBLIC}/objects/?added_after=${encodeURIComponent(publicFlows[1].root.document.created_date)}`, carol.token, 5);
    expect(objects.map((o) => o.id)).toEqual(objectsOf(page).map((o) => o.id));
  });

  it('match[type] and match[id] filter; match[spec_version] and match[version] are honoured', async () => {
    const reports = await get(`/taxii2/api/collections/${PUBLIC}/objects/?match[type]=report`, carol.token);
    expect(objectsOf(reports).map((o) => o.id)).toEqual(publicFlows.map((f) => `report--${f.root.id}`));
    const some = await get(`/taxii2/api/collections/${PUBLIC}/objects/?match[type]=malware,attack-pattern&limit=1000`, carol.token);
    expect([...new Set(objectsOf(some).map((o) => o.type))]).toEqual(['malware']);
    const repeated = await get(`/taxii2/api/collections/${PUBLIC}/objects/?match[type]=malware&match[type]=report&limit=1000`, carol.token);
    expect(objectsOf(repeated).length).toBe(8);

    const indicator = objectsOf(some)[0];
    const byId = await get(`/taxii2/api/collections/${PUBLIC}/objects/?match[id]=${indicator.id}`, carol.token);
    expect(objectsOf(byId)).toEqual([indicator]);
    expect(objectsOf(await get(`/taxii2/api/collections/${PUBLIC}/objects/?match[type]=report&match[spec_version]=2.0`, carol.token))).toEqual([]);
    const version = indicator.modified as string;
    expect(objectsOf(await get(`/taxii2/api/collections/${PUBLIC}/objects/?match[id]=${indicator.id}&match[version]=${version}`, carol.token))).toEqual([indicator]);
    expect(objectsOf(await get(`/taxii2/api/collections/${PUBLIC}/objects/?match[id]=${indicator.id}&match[version]=2001-01-01T00:00:00Z`, carol.token))).toEqual([]);
  });

  it('one object by id: a report at once, another object wherever it occurs, 404 when absent', async () => {
    const target = publicFlows[2].root;
    const report = await get(`/taxii2/api/collections/${PUBLIC}/objects/report--${target.id}/`, carol.token);
    expect(report.status).toBe(200);
    expect(objectsOf(report).map((o) => [o.type, o.id, o.name])).toEqual([['report', `report--${target.id}`, 'Sandbox analysis of loader.js']]);
    expect(report.headers.get('x-taxii-date-added-first')).toBe(target.document.created_date.replace(/\.(\d{3})Z$/, '.$1456Z'));

    // The same IPv4 observable is part of three reports' bundles.
    const whole = objectsOf(await get(`/taxii2/api/collections/${PUBLIC}/objects/?match[type]=ipv4-addr`, carol.token));
    expect(whole).toHaveLength(3);
    const ip = await get(`/taxii2/api/collections/${PUBLIC}/objects/${whole[0].id}/`, carol.token);
    expect(objectsOf(ip)).toEqual(whole);

    expect((await get(`/taxii2/api/collections/${PUBLIC}/objects/report--00000000-0000-4000-8000-000000000000/`, carol.token)).status).toBe(404);
    expect((await get(`/taxii2/api/collections/${PUBLIC}/objects/indicator--00000000-0000-4000-8000-000000000000/`, carol.token)).status).toBe(404);
    expect((await get(`/taxii2/api/collections/${PUBLIC}/objects/not-an-id/`, carol.token)).status).toBe(422);
    // A private report is not in the public collection, even for its owner.
    expect((await get(`/taxii2/api/collections/${PUBLIC}/objects/report--${privateFlow.root.id}/`, alice.token)).status).toBe(404);
  });

  it('the manifest lists id, date_added, version and media type of the same objects', async () => {
    const objects = objectsOf(await get(`/taxii2/api/collections/${PUBLIC}/objects/?limit=1000`, carol.token));
    const manifest = await get(`/taxii2/api/collections/${PUBLIC}/manifest/?limit=1000`, carol.token);
    expect(manifest.status).toBe(200);
    expect(manifest.headers.get('content-type')).toBe(TAXII);
    const records = manifest.body.objects as { id: string; date_added: string; version: string; media_type: string }[];
    expect(records.map((r) => r.id)).toEqual(objects.map((o) => o.id));
    const report = records.find((r) => r.id === `report--${publicFlows[0].root.id}`)!;
    expect(report).toEqual({
      id: `report--${publicFlows[0].root.id}`,
      date_added: publicFlows[0].root.document.created_date.replace(/\.(\d{3})Z$/, '.$1000Z'),
      version: publicFlows[0].root.document.created_date,
      media_type: 'application/stix+json;version=2.1',
    });
    // SCOs have no modified/created: their version is date_added.
    const file = records.find((r) => r.id.startsWith('file--'))!;
    expect(file.version).toBe(file.date_added);
    const paged = await allPages(`/taxii2/api/collections/${PUBLIC}/manifest/`, carol.token, 9);
    expect(paged.objects.map((o) => o.id)).toEqual(records.map((r) => r.id));
  });

  it('the private collection serves a private report to its owner, her team and admins, never to others', async () => {
    const path = `/taxii2/api/collections/${PRIVATE}/objects/?limit=1000`;
    for (const token of [alice.token, bob.token, admin]) {
      const res = await get(path, token);
      expect(res.status).toBe(200);
      expect(reportIds(objectsOf(res))).toEqual([`report--${privateFlow.root.id}`]);
      const markings = objectsOf(res).filter((o) => o.type === 'marking-definition').map((o) => o.name);
      expect(markings).toEqual(['TLP:AMBER']);
    }
    const carols = await get(path, carol.token);
    expect(carols.status).toBe(200);
    expect(carols.body).toEqual({ more: false });
    expect((await get(`/taxii2/api/collections/${PRIVATE}/objects/report--${privateFlow.root.id}/`, carol.token)).status).toBe(404);
    expect((await get(`/taxii2/api/collections/${PRIVATE}/manifest/`, carol.token)).body).toEqual({ more: false });
  });

  it('bad parameters are 422 with the reason; writing is not routed', async () => {
    const base = `/taxii2/api/collections/${PUBLIC}/objects/`;
    const cases: [string, string][] = [
      ['?added_after=yesterday', 'added_after'],
      ['?limit=0', 'limit'],
      ['?limit=1001', 'limit'],
      ['?next=not-a-token', 'next'],
      [`?next=${Buffer.from('t1|2026-01-01T00:00:00.000000Z|x|0').toString('base64url')}`, 'next'],
      ['?match[type]=Not%20A%20Type', 'match[type]'],
      ['?match[id]=indicator--1', 'match[id]'],
      ['?unknown=1', 'unknown'],
    ];
    for (const [query, field] of cases) {
      const res = await get(base + query, carol.token);
      expect([query, res.status]).toEqual([query, 422]);
      expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    }
    const post = await t.request(base, { token: admin, body: { objects: [] }, headers: { 'content-type': TAXII } });
    expect(post.status).toBe(404);
  });

  itWithStixSchemas('every object served validates against the OASIS STIX 2.1 schemas', async (schemas) => {
    const objects = objectsOf(await get(`/taxii2/api/collections/${PUBLIC}/objects/?limit=1000`, carol.token));
    expect(schemas.validateBundle({ type: 'bundle', id: 'bundle--6ba7b810-9dad-41d1-80b4-00c04fd430c8', objects } as never)).toEqual([]);
  });

  it('needs a license with the feeds feature (403 without)', async () => {
    await removeLicenses(t.app, t.db);
    const res = await get('/taxii2/api/collections/', admin);
    expect(res.status).toBe(403);
    expect(res.body.message).toContain('feeds');
  });
});

describe('TAXII 2.1 server over many reports', () => {
  let t: TestApp;
  let token: string;
  const ids: string[] = []; // oldest first
  const COUNT = 520; // more than one request renders (500), over many database batches (50)

  beforeAll(async () => {
    t = await TestApp.start();
    token = await t.login();
    const factory = new ReportFactory(t);
    const base = Date.now() - 24 * 3600_000;
    for (let i = 0; i < COUNT; i++) {
      const flow = await factory.flow({ store: false, createdAt: new Date(base + i * 1000), root: { name: `file-${i}.txt`, verdict: Verdict.NoThreat } });
      ids.push(`report--${flow.root.id}`);
    }
  }, 120_000);

  afterAll(() => t?.close());

  const get = (path: string) => t.request(path, { token });

  it('pages across database batches and request bounds without repeating or missing a report', async () => {
    const seen: string[] = [];
    let next: string | undefined;
    let pages = 0;
    do {
      const res = await get(`/taxii2/api/collections/${PUBLIC}/objects/?match[type]=report&limit=120${next ? `&next=${next}` : ''}`);
      expect(res.status).toBe(200);
      seen.push(...(res.body.objects ?? []).map((o: StixLike) => o.id));
      next = res.body.more ? res.body.next : undefined;
      pages++;
    } while (next);
    expect(seen).toEqual(ids);
    expect(pages).toBe(Math.ceil(COUNT / 120));
  }, 60_000);

  it('a filter that matches nothing answers after a bounded part of the collection, with more and next', async () => {
    const first = await get(`/taxii2/api/collections/${PUBLIC}/objects/?match[type]=malware`);
    expect(first.status).toBe(200);
    expect(first.body.more).toBe(true);
    expect(first.body.objects).toBeUndefined();
    const second = await get(`/taxii2/api/collections/${PUBLIC}/objects/?match[type]=malware&next=${first.body.next}`);
    expect(second.body).toEqual({ more: false });

    // The same for one object searched by id: "not yet" (200, more) and then 404.
    const absent = `/taxii2/api/collections/${PUBLIC}/objects/indicator--00000000-0000-4000-8000-000000000000/`;
    const notYet = await get(absent);
    expect([notYet.status, notYet.body.more, notYet.body.objects]).toEqual([200, true, undefined]);
    expect((await get(`${absent}?next=${notYet.body.next}`)).status).toBe(404);
  }, 60_000);
});
