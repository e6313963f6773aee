import { parseLogLine } from './log-store.service';

describe('parseLogLine', () => {
  it('maps a pino record to a row: level, key, related URL, correlation id, the rest as data without secrets', () => {
    const line = JSON.stringify({
      level: 50,
      time: '2026-12-05T17:00:00.000Z',
      service: 'sandbox-platform',
      correlationId: 'req-1',
      context: 'Errors',
      method: 'POST',
      url: '/api/scan/url?apikey=abc123',
      err: { type: 'Error', message: 'boom password=hunter2', stack: 'Error: boom' },
      msg: 'Unhandled error',
    });
    const row = parseLogLine(line)!;
    expect(row).toMatchObject({
      createdAt: '2026-12-05T17:00:00.000Z',
      level: 'error',
      levelValue: 50,
      key: 'Errors',
      message: 'Unhandled error',
      relatedUrl: 'POST /api/scan/url?apikey=[redacted]',
      correlationId: 'req-1',
    });
    expect(row.data).toEqual({
      context: 'Errors',
      method: 'POST',
      url: '/api/scan/url?apikey=[redacted]',
      err: { type: 'Error', message: 'boom password=[redacted]', stack: 'Error: boom' },
    });
  });

  it('prefers an explicit key and relatedUrl', () => {
    const row = parseLogLine(JSON.stringify({ level: 40, key: 'queue.stalled', context: 'Queue', relatedUrl: 'queue://analysis', msg: 'stalled' }))!;
    expect(row).toMatchObject({ level: 'warn', key: 'queue.stalled', relatedUrl: 'queue://analysis', data: { context: 'Queue' } });
  });

  it('keeps level, time and a preview of a line cut short, and ignores non-objects', () => {
    const cut = '{"level":60,"time":"2026-12-05T17:00:00.000Z","context":"Engine","big":"' + 'x'.repeat(100);
    expect(parseLogLine(cut)).toMatchObject({ level: 'fatal', levelValue: 60, key: 'Engine', createdAt: '2026-12-05T17:00:00.000Z', data: { truncated: true } });
    expect(parseLogLine('[1,2]')).toBeNull();
  });
});
