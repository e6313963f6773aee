import { boundedStack, describeThrown, fingerprintOf, normalizeMessage, redactSecrets, topOwnFrame } from './error-fingerprint';

describe('error fingerprints', () => {
  it('normalises ids, hashes, e-mails and numbers so occurrences of one error group together', () => {
    expect(normalizeMessage('flow 7d1f2a9e-0e4b-4f0e-9a51-2a7c0e3b9d11 of a@b.example failed after 3 tries, sha 275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f')).toBe(
      'flow <uuid> of <email> failed after <n> tries, sha <hash>',
    );
    const a = fingerprintOf('server', 'TypeError', 'row 1 missing', 'X.y (src/x.ts)');
    expect(fingerprintOf('server', 'TypeError', 'row 22 missing', 'X.y (src/x.ts)')).toBe(a);
    expect(fingerprintOf('client', 'TypeError', 'row 1 missing', 'X.y (src/x.ts)')).not.toBe(a);
    expect(fingerprintOf('server', 'RangeError', 'row 1 missing', 'X.y (src/x.ts)')).not.toBe(a);
    expect(fingerprintOf('server', 'TypeError', 'row 1 missing', 'Z.w (src/z.ts)')).not.toBe(a);
  });

  it('takes the first frame of our own code, without install path or line numbers', () => {
    const stack = [
      'Error: boom',
      '    at Parser.parse (/srv/app/node_modules/pg/lib/parser.js:10:5)',
      '    at ReportsService.get (/srv/app/dist/modules/reports/reports.service.js:120:17)',
      '    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)',
    ].join('\n');
    expect(topOwnFrame(stack)).toBe('ReportsService.get (dist/modules/reports/reports.service.js)');
    expect(topOwnFrame('Error: x\n    at f (/srv/app/node_modules/typeorm/a.js:1:2)')).toBe('f (node_modules/typeorm/a.js)');
    expect(topOwnFrame(null)).toBeNull();
  });

  it('removes credentials, query-string values, bearer tokens and password pairs', () => {
    const text = 'GET https://bob:hunter2@h.example/p?token=abc&x=1 Authorization: Bearer eyJhbGciOi.eyJzdWIiOi.sig password=s3cret api_key: "k123"';
    const out = redactSecrets(text);
    for (const secret of ['hunter2', 'abc', 's3cret', 'k123', 'eyJhbGciOi']) expect(out).not.toContain(secret);
    expect(out).toContain('https://[redacted]@h.example/p?token=[redacted]&x=[redacted]');
  });

  it('bounds stacks to 40 lines', () => {
    const stack = Array.from({ length: 100 }, (_, i) => `    at f${i} (src/a.ts:${i}:1)`).join('\n');
    expect(boundedStack(stack)!.split('\n')).toHaveLength(40);
    expect(boundedStack(undefined)).toBeNull();
  });

  it('describes whatever was thrown', () => {
    class QueryFailedError extends Error {}
    expect(describeThrown(new QueryFailedError('q')).errorClass).toBe('QueryFailedError');
    expect(describeThrown('plain')).toEqual({ errorClass: 'string', message: 'plain', stack: null });
    expect(describeThrown({ code: 1 })).toEqual({ errorClass: 'Error', message: '{"code":1}', stack: null });
  });
});
