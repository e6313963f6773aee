/**
 * Scans through the HTTP API only, as a client would do them: submit a file or a URL, poll
 * `GET /api/scan/{flow_id}/report` until `allFinished`. Used by the end-to-end test and by the scan
 * benchmark (so it depends on nothing but fetch).
 */

/** Credentials of a request: `{ authorization: 'Bearer …' }` or `{ 'x-api-key': … }`; `{}` for a guest. */
export type Auth = Record<string, string>;

export const bearer = (token: string): Auth => ({ authorization: `Bearer ${token}` });

export interface FlowReport {
  flowId: string;
  allFinished: boolean;
  reportsAmount: number;
  pollPause: number;
  state: string;
  error: string | null;
  finalVerdict: { verdict: string; threatLevel: number; confidence: number } | null;
  reports: Record<string, Record<string, any>>;
}

export interface HttpAnswer<T = any> {
  status: number;
  body: T;
}

async function answer<T>(res: Response): Promise<HttpAnswer<T>> {
  const text = await res.text();
  let body: unknown = text;
  if ((res.headers.get('content-type') ?? '').includes('json') && text) body = JSON.parse(text);
  return { status: res.status, body: body as T };
}

export async function getJson<T = any>(base: string, path: string, auth: Auth = {}): Promise<HttpAnswer<T>> {
  return answer<T>(await fetch(base + path, { headers: auth }));
}

/** POST /api/scan/file: the form fields first, then the file. Throws unless 200. */
export async function submitFile(base: string, auth: Auth, data: Uint8Array, fileName: string, fields: Record<string, string> = {}): Promise<string> {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  form.append('file', new Blob([data]), fileName);
  const res = await answer<{ flow_id: string }>(await fetch(`${base}/api/scan/file`, { method: 'POST', headers: auth, body: form }));
  if (res.status !== 200) throw new Error(`POST /api/scan/file (${fileName}) answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body.flow_id;
}

/** POST /api/scan/url (JSON). Throws unless 200. */
export async function submitUrl(base: string, auth: Auth, url: string, fields: Record<string, unknown> = {}): Promise<string> {
  const res = await answer<{ flow_id: string }>(
    await fetch(`${base}/api/scan/url`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ url, ...fields }) }),
  );
  if (res.status !== 200) throw new Error(`POST /api/scan/url (${url}) answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body.flow_id;
}

/** `?filter=a&filter=b&sorting=…` */
export function reportQuery(filter: readonly string[] = [], sorting: readonly string[] = []): string {
  const params = new URLSearchParams();
  for (const f of filter) params.append('filter', f);
  for (const s of sorting) params.append('sorting', s);
  const query = params.toString();
  return query ? `?${query}` : '';
}

export interface PollOptions {
  /** `filter=` values of the poll. */
  filter?: readonly string[];
  /** Longest total wait (default 60 s): the poll throws after it. */
  timeoutMs?: number;
  /**
   * Longest single pause between polls. By default the server's `pollPause` is honoured as given;
   * a benchmark measuring time-to-verdict may poll more often than a polite client would.
   */
  maxPauseMs?: number;
}

/**
 * Polls the flow until `allFinished`, waiting `pollPause` seconds between polls (bounded by
 * `maxPauseMs` and by what is left of `timeoutMs`); throws when the flow is not finished in time
 * or the poll does not answer 200.
 */
export async function pollUntilFinished(base: string, auth: Auth, flowId: string, options: PollOptions = {}): Promise<FlowReport> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const deadline = Date.now() + timeoutMs;
  const path = `/api/scan/${flowId}/report${reportQuery(options.filter)}`;
  for (;;) {
    const res = await getJson<FlowReport>(base, path, auth);
    if (res.status !== 200) throw new Error(`GET ${path} answered ${res.status}: ${JSON.stringify(res.body)}`);
    if (res.body.allFinished) return res.body;
    const left = deadline - Date.now();
    if (left <= 0) {
      throw new Error(`flow ${flowId} is still ${res.body.state} after ${timeoutMs} ms (progress ${JSON.stringify((res.body as any).estimated_progress)})`);
    }
    const pause = Math.max(20, Math.min(res.body.pollPause * 1000, options.maxPauseMs ?? Infinity, left));
    await new Promise((resolve) => setTimeout(resolve, pause));
  }
}

/** The reports of a finished flow, ordered by fileIndex (as the poll returns them by default). */
export function reportList(flow: FlowReport): Record<string, any>[] {
  return Object.values(flow.reports);
}

/** Identifiers of the report's signal groups (`allSignalGroups[].identifier`). */
export function signalIds(report: Record<string, any>): string[] {
  return (report.allSignalGroups ?? []).map((g: { identifier: string }) => g.identifier);
}
