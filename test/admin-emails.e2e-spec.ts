import { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { UserGroup } from '../src/common/access/user-group';
import { EmailDeliveryProcessor } from '../src/modules/emails/email-delivery.processor';
import { TestApp, TestUser } from './support/test-app';

const EMAILS = '/api/admin/emails';
const SMTP_USER = 'sandbox-mailer';
const SMTP_PASSWORD = 'smtp-Secret-Never-Echoed-42';

interface Received {
  from: string;
  to: string[];
  raw: string;
}

/** RFC 2047 encoded words (`=?UTF-8?Q?...?=`, `=?UTF-8?B?...?=`) as text. */
function decodeWords(value: string): string {
  return value.replace(/=\?UTF-8\?([QB])\?([^?]*)\?=\s*/gi, (_, enc: string, data: string) =>
    enc.toUpperCase() === 'B'
      ? Buffer.from(data, 'base64').toString('utf8')
      : Buffer.from(data.replace(/_/g, ' ').replace(/=([0-9A-F]{2})/gi, (_m, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8'),
  ).trim();
}

/** Headers and decoded text/html parts of a MIME message (enough for what nodemailer writes). */
function parseMessage(raw: string): { headers: Record<string, string>; text: string; html: string } {
  const [head] = raw.split(/\r?\n\r?\n/);
  const headers: Record<string, string> = {};
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const i = line.indexOf(':');
    headers[line.slice(0, i).toLowerCase()] = decodeWords(line.slice(i + 1).trim());
  }
  const parts: Record<string, string> = {};
  const boundary = /boundary="?([^";]+)"?/.exec(headers['content-type'] ?? '')?.[1];
  for (const part of boundary ? raw.split(`--${boundary}`).slice(1, -1) : [raw]) {
    const sep = part.search(/\r?\n\r?\n/);
    const partHead = part.slice(0, sep).toLowerCase();
    let body = part.slice(sep).replace(/^\r?\n\r?\n/, '').replace(/\r?\n$/, '');
    if (partHead.includes('quoted-printable')) {
      body = Buffer.from(body.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/gi, (_, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8');
    } else if (partHead.includes('base64')) {
      body = Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
    }
    parts[/text\/html/.test(partHead) ? 'html' : 'text'] = body.replace(/\r\n/g, '\n');
  }
  return { headers, text: parts.text ?? '', html: parts.html ?? '' };
}

/** A local SMTP receiver: STARTTLS (its built-in self-signed certificate), AUTH PLAIN, and per-address answers. */
class Receiver {
  readonly messages: Received[] = [];
  /** Addresses refused at RCPT TO, with the SMTP code to answer. */
  readonly refuse = new Map<string, number>();
  readonly logins: { username: string; password: string }[] = [];
  private server!: SMTPServer;
  port = 0;

  async start(): Promise<void> {
    this.server = new SMTPServer({
      logger: false,
      authMethods: ['PLAIN', 'LOGIN'],
      onAuth: (auth, _session, cb) => {
        this.logins.push({ username: auth.username ?? '', password: auth.password ?? '' });
        if (auth.username === SMTP_USER && auth.password === SMTP_PASSWORD) cb(null, { user: SMTP_USER });
        else cb(Object.assign(new Error('Invalid credentials'), { responseCode: 535 }));
      },
      onRcptTo: (address, _session, cb) => {
        const code = this.refuse.get(address.address);
        if (code) cb(Object.assign(new Error(`${address.address}: mailbox unavailable`), { responseCode: code }));
        else cb();
      },
      onData: (stream, session, cb) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          this.messages.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
            raw: Buffer.concat(chunks).toString('utf8'),
          });
          cb();
        });
      },
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', () => resolve()));
    this.port = (this.server.server.address() as AddressInfo).port;
  }

  messagesTo(address: string): Received[] {
    return this.messages.filter((m) => m.to.includes(address));
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

describe('Admin: mass e-mails', () => {
  const receiver = new Receiver();
  let t: TestApp;
  let admin: TestUser;

  beforeAll(async () => {
    await receiver.start();
    t = await TestApp.start({
      APP_ROLE: 'all',
      SMTP_HOST: '127.0.0.1',
      SMTP_PORT: String(receiver.port),
      SMTP_REQUIRE_TLS: 'true',
      // The receiver's certificate is self-signed.
      SMTP_TLS_VERIFY: 'false',
      SMTP_USER,
      SMTP_PASSWORD,
      SMTP_FROM: 'Sandbox <noreply@sandbox.test>',
    });
    admin = await t.newUser([UserGroup.Admin]);
  });
  afterAll(async () => {
    await t.close();
    await receiver.stop();
  });

  const send = (body: Record<string, unknown>, token = admin.token) => t.request(EMAILS, { token, body });

  /** Waits until the worker has settled every delivery of the message (none left queued). */
  async function settled(emailId: string, timeoutMs = 30_000): Promise<any> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const res = await t.request(`${EMAILS}?limit=200`, { token: admin.token });
      const email = res.body.items.find((e: { id: string }) => e.id === emailId);
      if (email && email.counts.queued === 0) return email;
      if (Date.now() > deadline) throw new Error(`deliveries still queued: ${JSON.stringify(email)}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  it('lists the built-in templates with their variables', async () => {
    const res = await t.request(`${EMAILS}/templates`, { token: admin.token });
    expect(res.status).toBe(200);
    expect(res.body.map((x: { id: string }) => x.id)).toEqual(['announcement', 'maintenance', 'security_advisory']);
    const maintenance = res.body.find((x: { id: string }) => x.id === 'maintenance');
    expect(maintenance.subject).toBe('Scheduled maintenance: {{start}} to {{end}}');
    expect(maintenance.variables.map((v: { name: string; required: boolean; per_recipient: boolean }) => [v.name, v.required, v.per_recipient])).toEqual([
      ['start', true, false],
      ['end', true, false],
      ['details', false, false],
      ['recipient_name', false, true],
    ]);
  });

  it('delivers to the active members of a user group with the rendered, escaped body; a refused address fails alone with the reason', async () => {
    const good = await t.newUser([UserGroup.Intel], { email: 'good-analyst@example.com' });
    const refused = await t.newUser([UserGroup.Intel], { email: 'refused-analyst@example.com' });
    const inactive = await t.newUser([UserGroup.Intel], { email: 'inactive-analyst@example.com' });
    await t.db.query('UPDATE users SET is_active = false WHERE id = $1', [inactive.id]);
    await t.db.query("UPDATE users SET name = 'Ada <Lovelace>' WHERE id = $1", [good.id]);
    receiver.refuse.set('refused-analyst@example.com', 550);

    const res = await send({
      template: 'announcement',
      recipients: 'user_group',
      user_group: 'intel',
      variables: {
        title: 'New <b>rules</b> & "feeds"',
        message: 'First paragraph with <script>alert(1)</script>.\n\nSecond {{recipient_name}} paragraph.',
      },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      template: 'announcement',
      subject: 'New <b>rules</b> & "feeds"',
      audience: { recipients: 'user_group', user_group: 'intel' },
      created_by: admin.id,
      counts: { queued: 2, sent: 0, failed: 0 },
    });
    expect(res.body.deliveries.map((d: { address: string }) => d.address)).toEqual(['good-analyst@example.com', 'refused-analyst@example.com']);

    const email = await settled(res.body.id);
    expect(email.counts).toEqual({ queued: 0, sent: 1, failed: 1 });
    const [sent, failed] = email.deliveries;
    expect(sent).toMatchObject({ user_id: good.id, address: 'good-analyst@example.com', state: 'sent', attempts: 1, last_error: null });
    expect(new Date(sent.sent_at).getTime()).toBeGreaterThan(Date.now() - 60_000);
    expect(failed).toMatchObject({ user_id: refused.id, address: 'refused-analyst@example.com', state: 'failed', attempts: 1, sent_at: null });
    expect(failed.last_error).toContain('550');
    expect(failed.last_error).toContain('mailbox unavailable');

    expect(receiver.messagesTo('refused-analyst@example.com')).toHaveLength(0);
    expect(receiver.messagesTo('inactive-analyst@example.com')).toHaveLength(0);
    const received = receiver.messagesTo('good-analyst@example.com');
    expect(received).toHaveLength(1);
    expect(received[0].to).toEqual(['good-analyst@example.com']);
    expect(received[0].from).toBe('noreply@sandbox.test');
    const message = parseMessage(received[0].raw);
    expect(message.headers.subject).toBe('New <b>rules</b> & "feeds"');
    expect(message.headers.to).toBe('"Ada <Lovelace>" <good-analyst@example.com>');
    expect(message.text).toBe(
      'Hello Ada <Lovelace>,\n\nFirst paragraph with <script>alert(1)</script>.\n\nSecond {{recipient_name}} paragraph.\n',
    );
    expect(message.html).toContain('<p>Hello Ada &lt;Lovelace&gt;,</p><h2>New &lt;b&gt;rules&lt;/b&gt; &amp; &quot;feeds&quot;</h2>');
    // A placeholder inside a value is text, not a second substitution.
    expect(message.html).toContain('<p>First paragraph with &lt;script&gt;alert(1)&lt;/script&gt;.</p><p>Second {{recipient_name}} paragraph.</p>');
    expect(message.html).not.toContain('<script>');
    // The mailer signed in with the configured credentials, over STARTTLS (required).
    expect(receiver.logins.at(-1)).toEqual({ username: SMTP_USER, password: SMTP_PASSWORD });
  });

  it('keeps a temporarily refused delivery queued with the reason, and sends it on the retry', async () => {
    const user = await t.newUser([UserGroup.User], { email: 'busy-mailbox@example.com' });
    receiver.refuse.set('busy-mailbox@example.com', 451);
    const res = await send({ template: 'maintenance', recipients: 'users', user_ids: [user.id], variables: { start: 'Sat 20:00 UTC', end: 'Sat 22:00 UTC' } });
    expect(res.status).toBe(200);
    expect(res.body.subject).toBe('Scheduled maintenance: Sat 20:00 UTC to Sat 22:00 UTC');

    // The first try fails temporarily: still queued (pg-boss retries it after the backoff), attempts and reason recorded.
    const deadline = Date.now() + 20_000;
    let row: { state: string; attempts: number; last_error: string | null; id: string };
    for (;;) {
      ({ rows: [row] } = await t.db.query('SELECT id, state, attempts, last_error FROM email_deliveries WHERE email_id = $1', [res.body.id]));
      if (row.attempts > 0 || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(row).toMatchObject({ state: 'queued', attempts: 1 });
    expect(row.last_error).toContain('451');

    // The retry (run here at once rather than after the backoff) goes through.
    receiver.refuse.delete('busy-mailbox@example.com');
    await t.app.get(EmailDeliveryProcessor).handle({ id: 'retry', name: 'email.delivery', data: { deliveryId: row.id } } as never);
    const email = await settled(res.body.id);
    expect(email.deliveries).toEqual([expect.objectContaining({ address: 'busy-mailbox@example.com', state: 'sent', attempts: 2, last_error: null })]);
    const message = parseMessage(receiver.messagesTo('busy-mailbox@example.com')[0].raw);
    expect(message.text).toContain('The sandbox will be unavailable for maintenance from Sat 20:00 UTC to Sat 22:00 UTC.');
  });

  it('never answers the SMTP password, and records the send in the audit log', async () => {
    const res = await t.request(`${EMAILS}?limit=200`, { token: admin.token });
    expect(res.status).toBe(200);
    expect(JSON.stringify(res.body)).not.toContain(SMTP_PASSWORD);
    const { rows } = await t.db.query("SELECT outcome FROM audit_logs WHERE action = 'email.send' AND actor_id = $1", [admin.id]);
    expect(rows.map((r) => r.outcome)).toContain('success');
  });

  it('refuses unknown templates, unknown or missing variables, and recipients that are not active users (422 naming the field)', async () => {
    const bad = async (body: Record<string, unknown>) => {
      const res = await send(body);
      expect(res.status).toBe(422);
      return res.body.errors.map((e: { field: string }) => e.field);
    };
    expect(await bad({ template: 'nope', recipients: 'all_users' })).toEqual(['template']);
    expect(await bad({ template: 'announcement', recipients: 'all_users', variables: { title: 'x', message: 'y', bcc: 'a@b.c' } })).toEqual(['variables.bcc']);
    expect(await bad({ template: 'announcement', recipients: 'all_users', variables: { title: 'x' } })).toEqual(['variables.message']);
    expect(await bad({ template: 'announcement', recipients: 'all_users', variables: { title: 'x', message: 5 } })).toEqual(['variables.message']);
    expect(await bad({ template: 'announcement', recipients: 'users', variables: { title: 'x', message: 'y' } })).toEqual(['user_ids']);
    expect(await bad({ template: 'announcement', recipients: 'users', user_ids: ['00000000-0000-4000-8000-000000000000'], variables: { title: 'x', message: 'y' } })).toEqual(['user_ids']);
    expect(await bad({ template: 'announcement', recipients: 'user_group', user_group: 'root', variables: { title: 'x', message: 'y' } })).toEqual(['user_group']);
    // Addresses are never taken from the request.
    expect(await bad({ template: 'announcement', recipients: 'all_users', to: ['victim@example.org'], variables: { title: 'x', message: 'y' } })).toEqual(['to']);
    const { rows } = await t.db.query("SELECT count(*)::int AS n FROM emails WHERE template = 'announcement' AND subject = 'x'");
    expect(rows[0].n).toBe(0);
  });

  it('lets auditors read the history and templates but not send; users may do neither', async () => {
    const auditor = await t.newUser([UserGroup.Auditor]);
    const user = await t.newUser([UserGroup.User]);
    expect((await t.request(EMAILS, { token: auditor.token })).status).toBe(200);
    expect((await t.request(`${EMAILS}/templates`, { token: auditor.token })).status).toBe(200);
    expect((await send({ template: 'announcement', recipients: 'all_users', variables: { title: 'x', message: 'y' } }, auditor.token)).status).toBe(403);
    expect((await t.request(EMAILS, { token: user.token })).status).toBe(403);
    expect((await t.request(EMAILS)).status).toBe(401);
  });
});

describe('Admin: mass e-mails with SMTP not configured', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await TestApp.start();
  });
  afterAll(() => t.close());

  it('refuses to queue with 409 saying why, and records nothing', async () => {
    const token = await t.login();
    const res = await t.request(EMAILS, { token, body: { template: 'announcement', recipients: 'all_users', variables: { title: 'x', message: 'y' } } });
    expect(res.status).toBe(409);
    expect(res.body.message).toMatch(/E-mail is disabled on this server: .*SMTP_HOST/);
    expect((await t.db.query('SELECT count(*)::int AS n FROM emails')).rows[0].n).toBe(0);
    expect((await t.request(`${EMAILS}/templates`, { token })).status).toBe(200);
  });
});
