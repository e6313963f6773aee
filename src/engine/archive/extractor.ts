import { OutputController, RunResult, SevenZipSession } from './sevenzip';
import { ArchiveListing, ListedMember, SltListingParser } from './slt-listing';
import { comparableName, escapeName, STREAM_KINDS, streamMemberName, UnsafeNameReason, unsafeNameReasons } from './member-names';
import { ZipRawEntry, zipRawEntries } from './zip-names';
import { headersEncrypted } from './encrypted-headers';

/**
 * Opens one container with 7-Zip (never more than one level: the pipeline recurses into members):
 *
 * 1. list it (`l -slt`), trying the passwords when its headers are encrypted;
 * 2. judge every member from its declared size, packed size and name, refusing (without decoding)
 *    members that break the limits: larger than the per-file limit, a compression ratio above the
 *    limit, beyond the flow's remaining file or byte budget;
 * 3. extract the accepted members (`e`, flat, into memory), each capped at what it may really
 *    produce — its declared size (a member writing more is lying), the ratio limit over its packed
 *    size, the per-file limit and the remaining budget. A member over its cap stops 7-Zip at once; it
 *    is refused as a bomb and extraction resumes with the members not yet reached;
 * 4. encrypted members that failed with one password are retried with the next.
 */
export interface ExtractionRequest {
  data: Uint8Array;
  /** The container's display name: gives the member name of bare gzip/bzip2/xz streams. */
  name: string;
  kind: string;
  extension: string;
  passwords: string[];
  maxFileBytes: number;
  maxCompressionRatio: number;
  budget: { files: number; bytes: number };
  /** Epoch ms: 7-Zip is stopped from its own read/write calls after it. */
  deadline: number;
  signal?: AbortSignal;
  /** List and judge only: nothing is extracted (the container sits at the deepest allowed level). */
  listOnly?: boolean;
}

export type RefusalReason = 'size' | 'ratio' | 'budget' | 'files' | 'expanded' | 'depth' | 'memory';

export interface MemberReport {
  /** The raw name (control characters escaped as \xNN). */
  name: string;
  size: number | null;
  packedSize: number | null;
  encrypted: boolean;
  method?: string;
  directory?: true;
  link?: string;
  /** Why it was not extracted. */
  refused?: string;
  /** 7-Zip's error for it (wrong password, CRC failed, data error ...). */
  error?: string;
  extracted?: true;
  unsafeName?: UnsafeNameReason[];
}

export interface ExtractedMember {
  /** Raw name (unescaped) for the pipeline's safeName. */
  name: string;
  data: Uint8Array;
  report: MemberReport;
}

export interface ExtractionOutcome {
  format: string;
  listing?: ArchiveListing;
  members: MemberReport[];
  extracted: ExtractedMember[];
  encrypted: boolean;
  headersEncrypted: boolean;
  /** Index into `passwords` of the password that opened the encrypted content. */
  passwordIndex?: number;
  /** Encrypted content that no known password opened. */
  passwordUnknown: boolean;
  malformed: string[];
  warnings: string[];
  refusals: { reason: RefusalReason; name: string; message: string }[];
  unsafeNames: { name: string; reasons: UnsafeNameReason[] }[];
  issues: { kind: 'limit' | 'error' | 'timeout'; message: string }[];
  /** 7-Zip instances used (and newly created), commands run, bytes extracted. */
  stats: { instances: number; created: number; commands: number; bytesOut: number };
}

/** Members whose details are kept from a listing; further ones are counted and refused. */
export const MAX_TRACKED_MEMBERS = 10_000;
/** Below this declared size a high compression ratio is harmless (it cannot amplify much). */
export const RATIO_FLOOR_BYTES = 1 << 20;
/** Heap 7-Zip may grow to (LZMA / RAR dictionaries of legitimate archives fit well below). */
export const SEVENZIP_HEAP_CAP = 512 * 1024 * 1024;
/**
 * Members of a solid block are reached by decoding everything before them in the block (refused
 * members included, into nothing). Beyond this many bytes the member is refused: the CPU time is the
 * bomb then, not the memory.
 */
export const SOLID_SKIP_LIMIT_BYTES = 512 * 1024 * 1024;
/** Extraction passes per password, each resuming after a member refused while it expanded. */
const MAX_PASSES = 6;
/** How far ahead of the expected member a created file's name is looked for. */
const RESYNC_WINDOW = 64;

const COMMON_SWITCHES = ['-bd', '-sccUTF-8', '-bb0'];

export async function extractArchive(request: ExtractionRequest): Promise<ExtractionOutcome> {
  const inputName = `archive.${/^[a-z0-9]{1,8}$/i.test(request.extension) ? request.extension : 'bin'}`;
  const session = new SevenZipSession(request.data, inputName, { heapCapBytes: SEVENZIP_HEAP_CAP, deadline: request.deadline });
  const outcome: ExtractionOutcome = {
    format: request.kind,
    members: [],
    extracted: [],
    encrypted: false,
    headersEncrypted: false,
    passwordUnknown: false,
    malformed: [],
    warnings: [],
    refusals: [],
    unsafeNames: [],
    issues: [],
    stats: { instances: 0, created: 0, commands: 0, bytesOut: 0 },
  };
  const passwords = request.passwords.length ? request.passwords : ['infected'];
  try {
    const listed = await listArchive(session, request, passwords, outcome);
    outcome.stats.commands += listed.commands;
    if (!listed.listing) return outcome;
    const listing = listed.listing;
    outcome.listing = listing;
    outcome.format = (listing.type ?? request.kind).toLowerCase();
    for (const message of listing.errors) addUnique(outcome.malformed, message);
    for (const message of listing.warnings) addUnique(outcome.warnings, message);

    const isStream = STREAM_KINDS.has(request.kind) && listing.members.length === 1;
    const rawZip = outcome.format === 'zip' ? zipRawEntries(request.data, MAX_TRACKED_MEMBERS) : [];
    const names = memberNames(request, listing, isStream, rawZip);
    outcome.members = listing.members.map((m, i) => memberReport(m, names[i]));
    outcome.encrypted = outcome.headersEncrypted || listing.members.some((m) => m.encrypted);
    judgeNames(names, rawZip, outcome);
    const plan = planExtraction(request, listing, isStream, outcome);
    if (!plan.accepted.size || request.listOnly) return outcome;

    await extractAccepted(session, request, listing, names, plan, passwords, listed.passwordIndex, outcome);
    return outcome;
  } finally {
    outcome.stats.instances = session.instances;
    outcome.stats.created = session.created;
    session.dispose();
  }
}

function addUnique(list: string[], message: string, max = 20): void {
  const m = message.trim().slice(0, 300);
  if (m && list.length < max && !list.includes(m)) list.push(m);
}

// ---------------------------------------------------------------- listing

async function listArchive(session: SevenZipSession, request: ExtractionRequest, passwords: string[], outcome: ExtractionOutcome): Promise<{ listing?: ArchiveListing; passwordIndex?: number; commands: number }> {
  let commands = 0;
  // Known from the first bytes for 7z / RAR: a listing that then fails means a wrong password.
  const encryptedHeaders = headersEncrypted(request.data, request.kind);
  if (encryptedHeaders) outcome.headersEncrypted = outcome.encrypted = true;
  for (let i = 0; i < passwords.length; i++) {
    const parser = new SltListingParser(MAX_TRACKED_MEMBERS);
    const result = await session.run(() => ['l', '-slt', ...COMMON_SWITCHES, `-p${passwords[i]}`, session.archivePath], { onStdout: (line) => parser.line(line) });
    commands++;
    const listing = parser.end();
    const stderr = result.stderr.join('\n');
    const wrongPassword = /Cannot open encrypted archive|Wrong password/i.test(stderr) || (encryptedHeaders && result.crash?.kind === 'exception');
    if (wrongPassword && !listing.members.length) {
      outcome.headersEncrypted = outcome.encrypted = true;
      continue;
    }
    if (result.heapRefused !== undefined && !listing.members.length) {
      outcome.refusals.push({ reason: 'memory', name: '', message: memoryMessage(result.heapRefused) });
      return { commands };
    }
    if (result.crash) recordCrash(result, outcome);
    if (result.crash?.kind === 'deadline') return { commands };
    if (!listing.members.length && (result.exitCode !== 0 || result.crash)) {
      for (const message of archiveErrors(result)) addUnique(outcome.malformed, message);
      if (!outcome.malformed.length) addUnique(outcome.malformed, `7-Zip could not open the archive (exit code ${result.exitCode ?? 'none'})`);
      return { commands };
    }
    return { listing, passwordIndex: outcome.headersEncrypted ? i : undefined, commands };
  }
  outcome.passwordUnknown = true;
  return { commands };
}

const memoryMessage = (requested: number) => `decoding needs more memory than the ${SEVENZIP_HEAP_CAP} bytes 7-Zip may use (it asked for ${requested})`;

/** A command that did not end normally: a limit or deadline is an issue; anything else a malformed archive. */
function recordCrash(result: RunResult, outcome: ExtractionOutcome): void {
  const crash = result.crash!;
  if (crash.kind === 'deadline') outcome.issues.push({ kind: 'timeout', message: crash.message });
  else if (crash.kind === 'abort') {
    outcome.issues.push({ kind: 'error', message: crash.message });
    addUnique(outcome.malformed, crash.message);
  } else if (crash.kind === 'exception') addUnique(outcome.malformed, crash.message);
}

/** 7-Zip's archive-level complaints (`ERROR: <archive> : ...`, `Open ERROR: ...`, `ERRORS:` blocks), paths removed. */
function archiveErrors(result: RunResult): string[] {
  const messages: string[] = [];
  const lines = [...result.stderr, ...result.stdout];
  const clean = (text: string) =>
    text
      .split(' : ')
      .filter((part) => part && !part.startsWith('/input/'))
      .join(' : ')
      .trim();
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (/^ERROR: \/input\//.test(line)) {
      const rest = clean(line.slice('ERROR: '.length));
      if (rest) messages.push(rest);
    } else if (/^Open (ERROR|WARNING): /.test(line)) {
      messages.push(clean(line.replace(/^Open (ERROR|WARNING): /, '')));
    } else if (line === 'ERRORS:') {
      while (lines[i + 1]?.trim() && !/ = |:$/.test(lines[i + 1])) messages.push(clean(lines[++i].trim()));
    } else if (/^(Can't open as archive|Cannot open the file as archive)/i.test(line)) {
      messages.push(line);
    }
  }
  return [...new Set(messages.filter(Boolean))];
}

/** Member errors that mean damaged or truncated data (not a wrong password, not an unsupported method). */
export const DAMAGE_ERROR = /^(?!.*wrong password)(CRC Failed|Data Error|Unexpected end|Headers Error|Unavailable data|There are some data after the end|Is not archive)/i;

// ---------------------------------------------------------------- names and judgement

/** Printable form 7-Zip lists a stored name in: cut at the first NUL, control characters as `_`. */
// eslint-disable-next-line no-control-regex
const asListed = (raw: string) => raw.split('\u0000', 1)[0].replace(/[\u0001-\u001f\u007f]/g, '_');

/** 7-Zip's name for the single member of a stream whose header stores none (it derives one from `archive.<ext>`). */
const DERIVED_STREAM_NAMES = new Set(['archive', 'archive~', 'archive.tar']);

/** Raw names per listed member: the zip central directory's bytes when 7-Zip shows them altered. */
function memberNames(request: ExtractionRequest, listing: ArchiveListing, isStream: boolean, rawZip: ZipRawEntry[]): string[] {
  const names = listing.members.map((m) => m.path ?? '');
  if (isStream) {
    // A name stored in the stream's header (gzip FNAME) is kept; otherwise the container's name gives it.
    const stored = listing.members[0].path;
    names[0] = stored && !DERIVED_STREAM_NAMES.has(stored) ? stored : streamMemberName(request.name, request.kind);
    return names;
  }
  // Raw entries matched to listed ones by the form 7-Zip prints (order-independent; duplicates in order).
  const byListed = new Map<string, string[]>();
  for (const entry of rawZip) {
    if (!entry.exact) continue;
    const key = asListed(entry.name);
    byListed.set(key, [...(byListed.get(key) ?? []), entry.name]);
  }
  return names.map((listed) => byListed.get(listed)?.shift() ?? listed);
}

function memberReport(m: ListedMember, name: string): MemberReport {
  const report: MemberReport = { name: escapeName(name), size: m.size ?? null, packedSize: m.packedSize ?? null, encrypted: m.encrypted };
  if (m.method) report.method = m.method.slice(0, 60);
  if (m.directory) report.directory = true;
  if (m.link) report.link = escapeName(m.link);
  return report;
}

function judgeNames(names: string[], rawZip: ZipRawEntry[], outcome: ExtractionOutcome): void {
  const seen = new Set<string>();
  const flag = (name: string, reasons: UnsafeNameReason[]) => {
    if (!reasons.length || seen.has(name)) return;
    seen.add(name);
    outcome.unsafeNames.push({ name: escapeName(name), reasons });
  };
  names.forEach((name, i) => {
    const reasons = unsafeNameReasons(name);
    if (reasons.length) outcome.members[i].unsafeName = reasons;
    flag(name, reasons);
  });
  // Names 7-Zip does not show as stored (cut at NUL, non-UTF-8) are judged from the zip directory too.
  for (const entry of rawZip) flag(entry.name, unsafeNameReasons(entry.name));
}

interface Plan {
  /** Accepted member index → cap on the bytes it may produce. */
  accepted: Map<number, number>;
}

function planExtraction(request: ExtractionRequest, listing: ArchiveListing, isStream: boolean, outcome: ExtractionOutcome): Plan {
  const accepted = new Map<number, number>();
  const ratio = request.maxCompressionRatio;
  const blocks = blockTotals(listing);
  let files = request.budget.files;
  let bytes = request.budget.bytes;
  const refuse = (m: ListedMember, reason: RefusalReason, message: string) => {
    const report = outcome.members[m.index];
    report.refused = message;
    outcome.refusals.push({ reason, name: report.name, message: `${report.name}: ${message}` });
  };
  for (const m of listing.members) {
    if (!m.isFile) continue;
    if (request.listOnly) {
      refuse(m, 'depth', 'not extracted: the archive is at the deepest allowed nesting level');
      continue;
    }
    // A member of a solid block (7z) has no packed size of its own: the block's ratio is its ratio.
    const block = m.block !== undefined ? blocks.get(m.block) : undefined;
    const solid = block !== undefined && block.members > 1;
    const packed = isStream ? (m.packedSize ?? request.data.length) : solid ? block.packed : m.packedSize;
    const unpacked = solid ? block.size : m.size;
    if (m.size !== undefined && m.size > request.maxFileBytes) {
      refuse(m, 'size', `declared size ${m.size} bytes exceeds the ${request.maxFileBytes}-byte per-file limit`);
      continue;
    }
    if (m.size !== undefined && m.size >= RATIO_FLOOR_BYTES && unpacked !== undefined && packed && unpacked / packed > ratio) {
      refuse(m, 'ratio', `compression ratio ${Math.round(unpacked / packed)}:1 (${unpacked} bytes from ${packed}${solid ? ', solid block' : ''}) exceeds ${ratio}:1`);
      continue;
    }
    const decodedFirst = solid ? (block.before.get(m.index) ?? 0) : 0;
    if (decodedFirst > SOLID_SKIP_LIMIT_BYTES) {
      refuse(m, 'budget', `reaching it means decoding ${decodedFirst} bytes of its solid block first (limit ${SOLID_SKIP_LIMIT_BYTES})`);
      continue;
    }
    if (m.size === 0) {
      accepted.set(m.index, 0);
      continue; // empty: costs nothing, produces no child
    }
    if (files <= 0) {
      refuse(m, 'files', 'not extracted: the submission already reached its file limit');
      continue;
    }
    if (m.size !== undefined && m.size > bytes) {
      refuse(m, 'budget', `declared size ${m.size} bytes exceeds the ${Math.max(0, bytes)} bytes left in the extraction budget`);
      continue;
    }
    files--;
    bytes -= m.size ?? 0;
    let cap = request.maxFileBytes;
    if (m.size !== undefined) cap = Math.min(cap, m.size + Math.max(64 * 1024, Math.ceil(m.size / 64)));
    if (packed) cap = Math.min(cap, Math.max(RATIO_FLOOR_BYTES, packed * ratio));
    accepted.set(m.index, cap);
  }
  if (listing.truncated) {
    const rest = listing.memberCount - listing.members.length;
    outcome.refusals.push({ reason: 'files', name: '', message: `${rest} further members beyond the first ${listing.members.length} were not examined` });
  }
  return { accepted };
}

interface BlockTotals {
  members: number;
  size: number;
  packed: number;
  /** Per member: bytes of the block 7-Zip decodes before reaching it. */
  before: Map<number, number>;
}

/** Solid blocks (7z): members after the first carry no packed size; ratios are judged per block. */
function blockTotals(listing: ArchiveListing): Map<number, BlockTotals> {
  const totals = new Map<number, BlockTotals>();
  for (const m of listing.members) {
    if (m.block === undefined) continue;
    const t = totals.get(m.block) ?? { members: 0, size: 0, packed: 0, before: new Map<number, number>() };
    t.before.set(m.index, t.size);
    t.members++;
    t.size += m.size ?? 0;
    t.packed += m.packedSize ?? 0;
    totals.set(m.block, t);
  }
  return totals;
}

// ---------------------------------------------------------------- extraction

async function extractAccepted(
  session: SevenZipSession,
  request: ExtractionRequest,
  listing: ArchiveListing,
  names: string[],
  plan: Plan,
  passwords: string[],
  headerPasswordIndex: number | undefined,
  outcome: ExtractionOutcome,
): Promise<void> {
  const expected = listing.members.filter((m) => m.isFile);
  const pending = new Set(plan.accepted.keys());
  const results = new Map<number, Uint8Array>();
  const usedPassword = new Map<number, number>();
  let bytesLeft = request.budget.bytes;
  const wrongPassword = new Set<number>();

  const order = passwords.map((_, i) => i);
  if (headerPasswordIndex !== undefined) order.unshift(...order.splice(headerPasswordIndex, 1));
  const needsPasswords = outcome.encrypted;
  let stopped = false;

  for (const pwIndex of needsPasswords ? order : [order[0]]) {
    if (stopped || !pending.size) break;
    wrongPassword.clear();
    for (let pass = 0; pass < MAX_PASSES && pending.size && !stopped; pass++) {
      if (request.signal?.aborted) {
        stopped = true;
        break;
      }
      const attempt = await runExtraction(session, request, listing, names, expected, pending, plan, passwords[pwIndex], () => bytesLeft);
      outcome.stats.commands++;
      for (const [index, data] of attempt.captured) {
        if (attempt.errors.has(index)) continue;
        results.set(index, data);
        usedPassword.set(index, pwIndex);
        bytesLeft -= data.length;
        outcome.stats.bytesOut += data.length;
        pending.delete(index);
      }
      for (const [index, message] of attempt.errors) {
        if (attempt.result.heapRefused !== undefined && !/wrong password/i.test(message)) {
          // 7-Zip reports a refused allocation as a data error: it is the memory limit.
          const report = outcome.members[index];
          report.refused = memoryMessage(attempt.result.heapRefused);
          outcome.refusals.push({ reason: 'memory', name: report.name, message: `${report.name}: ${report.refused}` });
          pending.delete(index);
          continue;
        }
        if (DAMAGE_ERROR.test(message)) addUnique(outcome.malformed, `${outcome.members[index].name}: ${message}`);
        if (/wrong password/i.test(message) && listing.members[index].encrypted) {
          wrongPassword.add(index);
          outcome.members[index].error = message;
        } else {
          outcome.members[index].error = message;
          pending.delete(index);
        }
      }
      for (const message of attempt.archiveErrors) addUnique(outcome.malformed, message);
      const crash = attempt.result.crash;
      if (crash && crash.kind !== 'deadline' && attempt.current !== undefined && pending.has(attempt.current)) {
        // The member 7-Zip was on is given up; the others it had not reached get a fresh instance.
        const m = listing.members[attempt.current];
        const report = outcome.members[m.index];
        if (crash.kind === 'limit') {
          const limit = (crash.error as { limit?: number }).limit;
          report.refused = `expanded beyond ${limit} bytes while extracting (declared ${m.size ?? 'unknown'} bytes, packed ${m.packedSize ?? 'unknown'})`;
          outcome.refusals.push({ reason: 'expanded', name: report.name, message: `${report.name}: ${report.refused}` });
        } else {
          recordCrash(attempt.result, outcome);
          report.error = crash.message;
        }
        pending.delete(m.index);
        continue;
      }
      if (crash) {
        recordCrash(attempt.result, outcome);
        stopped = true;
        break;
      }
      // Every pending member was offered to 7-Zip in this pass: those left need another password.
      for (const index of [...pending]) {
        if (wrongPassword.has(index)) continue;
        // Empty entries 7-Zip does not create (CHM's directory-like names) are no loss.
        if (listing.members[index].size !== 0) outcome.members[index].error ??= 'not extracted: 7-Zip did not produce it';
        pending.delete(index);
      }
      break;
    }
  }

  const passwordsUsed = new Set([...usedPassword.entries()].filter(([i]) => listing.members[i].encrypted).map(([, pw]) => pw));
  if (passwordsUsed.size) outcome.passwordIndex = Math.min(...passwordsUsed);
  else if (outcome.headersEncrypted && headerPasswordIndex !== undefined) outcome.passwordIndex = headerPasswordIndex;
  if ([...pending].some((i) => wrongPassword.has(i))) outcome.passwordUnknown = true;
  for (const index of pending) {
    const report = outcome.members[index];
    if (!report.error && !report.refused) report.error = stopped ? 'not extracted: extraction stopped early' : 'not extracted';
  }

  for (const m of listing.members) {
    const data = results.get(m.index);
    if (!data) continue;
    const report = outcome.members[m.index];
    report.extracted = true;
    delete report.error;
    if (data.length) outcome.extracted.push({ name: names[m.index] || `member-${m.index}`, data, report });
  }
}

interface Attempt {
  result: RunResult;
  captured: Map<number, Uint8Array>;
  errors: Map<number, string>;
  archiveErrors: string[];
  /** The member 7-Zip was working on when the command ended. */
  current?: number;
}

async function runExtraction(
  session: SevenZipSession,
  request: ExtractionRequest,
  listing: ArchiveListing,
  names: string[],
  expected: ListedMember[],
  pending: Set<number>,
  plan: Plan,
  password: string,
  bytesLeft: () => number,
): Promise<Attempt> {
  const captured = new Map<number, Uint8Array>();
  const errors = new Map<number, string>();
  let cursor = 0;
  let current: number | undefined;
  let capturedBytes = 0;

  /** The listed member a created file belongs to: the next expected one, re-synchronised by name. */
  const resolve = (relative: string): ListedMember | undefined => {
    const wanted = comparableName(relative);
    for (let j = cursor; j < Math.min(expected.length, cursor + RESYNC_WINDOW); j++) {
      if (comparableName(names[expected[j].index]) === wanted || comparableName(expected[j].path) === wanted) {
        cursor = j + 1;
        return expected[j];
      }
    }
    return cursor < expected.length ? expected[cursor++] : undefined;
  };

  const output: OutputController = {
    open(relative) {
      const m = resolve(relative);
      current = m && pending.has(m.index) ? m.index : undefined;
      if (current === undefined) return null;
      const cap = Math.min(plan.accepted.get(current) ?? 0, request.maxFileBytes, Math.max(0, bytesLeft() - capturedBytes));
      return { limit: cap, expectedSize: listing.members[current].size };
    },
    close(_relative, data) {
      if (current === undefined) return;
      captured.set(current, data);
      capturedBytes += data.length;
    },
  };
  let membersByPath: Map<string, ListedMember[]> | undefined;
  const byPath = () => {
    if (!membersByPath) {
      membersByPath = new Map();
      for (const e of expected) if (e.path !== undefined) membersByPath.set(e.path, [...(membersByPath.get(e.path) ?? []), e]);
    }
    return membersByPath;
  };
  /**
   * "ERROR: <message> : <listed name>": the member 7-Zip is working on; or, when a solid block fails
   * before any of its files is created (a wrong 7z password), the pending member of that name.
   */
  const onStderr = (line: string) => {
    const match = /^ERROR: (.*)$/.exec(line.trim());
    if (!match || /^Cannot open output file/.test(match[1])) return;
    const text = match[1];
    let index: number | undefined;
    let message = text;
    const currentPath = current !== undefined ? listing.members[current].path : undefined;
    if (current !== undefined && currentPath !== undefined && text.endsWith(` : ${currentPath}`)) {
      index = current;
      message = text.slice(0, -` : ${currentPath}`.length);
    } else if (current !== undefined && currentPath === undefined) {
      index = current; // a bare stream: 7-Zip names it after the archive
      message = text.replace(/ : [^:]*$/, '');
    } else {
      let m: ListedMember | undefined;
      for (let at = text.indexOf(' : '); at >= 0 && !m; at = text.indexOf(' : ', at + 1)) {
        m = byPath().get(text.slice(at + 3))?.find((e) => pending.has(e.index) && !errors.has(e.index) && !captured.has(e.index));
      }
      if (m) {
        index = m.index;
        message = text.slice(0, -` : ${m.path}`.length);
      }
    }
    if (index !== undefined && !errors.has(index)) errors.set(index, message.slice(0, 200));
  };
  const result = await session.run((outDir) => ['e', '-y', '-aoa', ...COMMON_SWITCHES, `-p${password}`, `-o${outDir}`, session.archivePath], { output, onStderr });
  return { result, captured, errors, archiveErrors: archiveErrors(result), current };
}
