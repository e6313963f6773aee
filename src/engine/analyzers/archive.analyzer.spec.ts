import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32, deflateRawSync } from 'node:zlib';
import { identify } from '../identify/identify';
import { testEngineOptions } from '../testing/engine-options';
import { partitionedDisk } from '../testing/disk-writer';
import { buildLnk } from '../testing/lnk-writer';
import { rar4Archive, rar5Archive } from '../testing/rar-writer';
import { zipArchive } from '../testing/zip-writer';
import type { AnalyzerResult, EngineOptions, FileContext } from '../types';
import { extractArchive, ExtractionRequest } from '../archive/extractor';
import { SevenZipSession } from '../archive/sevenzip';
import { ArchiveAnalyzer } from './archive.analyzer';

/**
 * The archive analyzer on real archives: made at test time with Debian's 7z (p7zip-full) or written
 * byte by byte, and the harmless archives of Debian's clamav-testfiles.
 */
const CLAM = '/usr/share/clamav-testfiles';
const MiB = 1024 * 1024;
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const CLAM_EXE = new Uint8Array(readFileSync(join(CLAM, 'clam.exe')));

let work: string;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'archive-spec-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Runs Debian's 7z in the scratch directory and returns the archive it made. */
function sevenZ(archive: string, args: string[], files: Record<string, Uint8Array | string>): Uint8Array {
  const dir = mkdtempSync(join(work, 'a-'));
  for (const [name, data] of Object.entries(files)) writeFileSync(join(dir, name), data);
  execFileSync('/usr/bin/7z', ['a', ...args, archive, ...Object.keys(files)], { cwd: dir, stdio: 'ignore' });
  return new Uint8Array(readFileSync(join(dir, archive)));
}

function context(data: Uint8Array, name: string, options: EngineOptions = testEngineOptions(), extra: Partial<FileContext> = {}): FileContext {
  return {
    data,
    name,
    identity: identify(data),
    path: [name],
    depth: 0,
    sha256: sha256(data),
    options,
    signal: new AbortController().signal,
    extractionBudget: { files: options.limits.maxFiles - 1, bytes: options.limits.maxTotalBytes },
    ...extra,
  };
}

const analyzer = new ArchiveAnalyzer();
const run = (data: Uint8Array, name: string, options?: EngineOptions, extra?: Partial<FileContext>) => analyzer.analyze(context(data, name, options, extra));
const signal = (r: AnalyzerResult, id: string) => r.signals?.find((s) => s.id === id);
const archiveFacts = (r: AnalyzerResult) => r.facts!.archive as { members: { name: string; refused?: string; error?: string; encrypted: boolean }[]; password?: Record<string, unknown>; [k: string]: unknown };

describe('ArchiveAnalyzer', () => {
  it('applies to archive kinds only', () => {
    expect(analyzer.appliesTo(context(CLAM_EXE, 'clam.exe'))).toBe(false);
    expect(analyzer.appliesTo(context(new Uint8Array(readFileSync(join(CLAM, 'clam.zip'))), 'clam.zip'))).toBe(true);
  });

  it.each([
    'clam.zip',
    'clam.7z',
    'clam.cab',
    'clam.exe.bz2',
    'clam.impl.zip',
    'clam.bz2.zip',
    'clam.d64.zip',
    'clam.arj',
    'clam.bin-be.cpio',
    'clam.bin-le.cpio',
    'clam.newc.cpio',
    'clam.odc.cpio',
    'clam.chm',
  ])('extracts clam.exe from %s', async (file) => {
    const result = await run(new Uint8Array(readFileSync(join(CLAM, file))), file);
    const hashes = (result.children ?? []).map((c) => sha256(c.data));
    expect(hashes).toContain(sha256(CLAM_EXE));
    expect(result.children!.every((c) => c.relation === 'archive-member')).toBe(true);
    expect(signal(result, 'archive.executable_member')).toBeDefined();
    expect(signal(result, 'archive.malformed')).toBeUndefined();
  });

  it.each([
    ['xz', '/usr/bin/xz', ['-c']],
    ['zst', '/usr/bin/zstd', ['-q', '-c']],
    ['gz', '/usr/bin/gzip', ['-c']],
  ])('extracts a .%s stream made with %s', async (extension, tool, args) => {
    if (!existsSync(tool)) return; // zstd is optional on CI machines
    const stream = new Uint8Array(execFileSync(tool, args, { input: CLAM_EXE }));
    const result = await run(stream, `clam.exe.${extension}`);
    expect(result.children!.map((c) => [c.name, sha256(c.data)])).toEqual([['clam.exe', sha256(CLAM_EXE)]]);
  });

  it('extracts a RAR 5 archive (written byte by byte) and judges its names', async () => {
    const rar = rar5Archive([
      { name: 'clam.exe', data: CLAM_EXE },
      { name: '../up.txt', data: Buffer.from('up') },
    ]);
    expect(identify(rar).kind).toBe('rar');
    const result = await run(rar, 'sample.rar');
    expect(archiveFacts(result).format).toBe('rar5');
    expect(result.children!.map((c) => [c.name, sha256(c.data)])).toEqual([
      ['clam.exe', sha256(CLAM_EXE)],
      ['../up.txt', sha256(Buffer.from('up'))],
    ]);
    expect(signal(result, 'archive.path_traversal')!.evidence).toEqual(['../up.txt']);
  });

  it('extracts a RAR 4 archive (written byte by byte), checking its CRCs', async () => {
    const members = [
      { name: 'clam.exe', data: CLAM_EXE },
      { name: 'docs\\note.txt', data: Buffer.from('a note') },
    ];
    const rar = rar4Archive(members);
    expect(identify(rar)).toMatchObject({ kind: 'rar', label: 'RAR archive' });
    const result = await run(rar, 'sample.rar');
    expect(archiveFacts(result).format).toBe('rar');
    expect(result.children!.map((c) => [c.name, sha256(c.data)])).toEqual([
      ['clam.exe', sha256(CLAM_EXE)],
      ['docs/note.txt', sha256(Buffer.from('a note'))],
    ]);
    expect(signal(result, 'archive.executable_member')!.evidence).toEqual(['clam.exe (pe)']);

    // A member whose bytes no longer match its CRC is reported, not passed on as good.
    const damaged = rar.slice();
    damaged[damaged.length - 7 - 1] ^= 0xff; // the last byte of the note, before the 7-byte end block
    const broken = await run(damaged, 'damaged.rar');
    expect(signal(broken, 'archive.malformed')!.evidence).toEqual(['docs/note.txt: CRC Failed']);
    expect(broken.children!.map((c) => c.name)).toEqual(['clam.exe']);
  });

  it('opens one level per call: clam.tar.gz gives clam.tar, which gives clam.exe', async () => {
    const outer = await run(new Uint8Array(readFileSync(join(CLAM, 'clam.tar.gz'))), 'clam.tar.gz');
    expect(outer.children!.map((c) => c.name)).toEqual(['clam.tar']);
    expect(archiveFacts(outer).format).toBe('gzip');
    const inner = await run(outer.children![0].data, 'clam.tar');
    expect(archiveFacts(inner).format).toBe('tar');
    expect(inner.children!.map((c) => sha256(c.data))).toEqual([sha256(CLAM_EXE)]);
  });

  it('opens an AES-256 zip with the submitted password and does not report the password', async () => {
    const zip = sevenZ('aes.zip', ['-tzip', '-mem=AES256', '-pS3cret-pw'], { 'clam.exe': CLAM_EXE, 'note.txt': 'hello' });
    const result = await run(zip, 'aes.zip', testEngineOptions({ archivePasswords: ['S3cret-pw', 'infected'] }));
    expect(result.children!.map((c) => c.name).sort()).toEqual(['clam.exe', 'note.txt']);
    expect(sha256(result.children!.find((c) => c.name === 'clam.exe')!.data)).toBe(sha256(CLAM_EXE));
    expect(signal(result, 'archive.encrypted')!.evidence.join(' ')).toMatch(/password #1/);
    expect(archiveFacts(result).password).toMatchObject({ opened: true, index: 0 });
    expect(JSON.stringify(result)).not.toContain('S3cret-pw');
    expect(archiveFacts(result).members.every((m) => m.encrypted)).toBe(true);
  });

  it("opens a ZipCrypto zip with 'infected' after a wrong first password", async () => {
    const zip = sevenZ('zc.zip', ['-tzip', '-pinfected'], { 'clam.exe': CLAM_EXE });
    const result = await run(zip, 'zc.zip', testEngineOptions({ archivePasswords: ['not-it', 'infected'] }));
    expect(result.children!.map((c) => sha256(c.data))).toEqual([sha256(CLAM_EXE)]);
    expect(archiveFacts(result).password).toMatchObject({ opened: true, index: 1, password: 'infected' });
    expect(signal(result, 'archive.encrypted')!.evidence.join(' ')).toContain("'infected'");
    expect(signal(result, 'archive.password_unknown')).toBeUndefined();
  });

  it('raises archive.password_unknown when no password opens it', async () => {
    const zip = sevenZ('locked.zip', ['-tzip', '-mem=AES256', '-punknowable'], { 'clam.exe': CLAM_EXE });
    const result = await run(zip, 'locked.zip');
    expect(result.children).toEqual([]);
    expect(signal(result, 'archive.password_unknown')!.evidence).toContain('clam.exe');
    expect(archiveFacts(result).password).toMatchObject({ opened: false });
  });

  it('lists and extracts a 7z with encrypted headers only with the password', async () => {
    const archive = sevenZ('he.7z', ['-t7z', '-mhe=on', '-phidden-names'], { 'clam.exe': CLAM_EXE });
    const locked = await run(archive, 'he.7z');
    expect(signal(locked, 'archive.password_unknown')).toBeDefined();
    expect(archiveFacts(locked)).toMatchObject({ headersEncrypted: true, memberCount: 0 });
    const opened = await run(archive, 'he.7z', testEngineOptions({ archivePasswords: ['hidden-names', 'infected'] }));
    expect(opened.children!.map((c) => sha256(c.data))).toEqual([sha256(CLAM_EXE)]);
    expect(archiveFacts(opened)).toMatchObject({ headersEncrypted: true, encrypted: true });
    expect(signal(opened, 'archive.password_unknown')).toBeUndefined();
  });

  it('flags traversal, absolute, drive-letter and control-character names with the raw names', async () => {
    const zip = zipArchive([
      { name: '../../etc/passwd', data: Buffer.from('root:x:0:0') },
      { name: '/abs/x', data: Buffer.from('abs') },
      { name: 'C:\\evil.txt', data: Buffer.from('evil') },
      { name: new Uint8Array([...Buffer.from('nul'), 0, ...Buffer.from('.exe')]), data: Buffer.from('nul') },
      { name: 'line\nfeed.txt', data: Buffer.from('lf') },
      { name: 'fine/name.txt', data: Buffer.from('ok') },
    ]);
    const result = await run(zip, 'names.zip');
    const evidence = signal(result, 'archive.path_traversal')!.evidence;
    expect(evidence).toEqual(expect.arrayContaining(['../../etc/passwd', '/abs/x', 'C:\\evil.txt', 'nul\\x00.exe', 'line\\x0afeed.txt']));
    expect(evidence).not.toContain('fine/name.txt');
    const names = archiveFacts(result).members.map((m) => m.name);
    expect(names).toEqual(['../../etc/passwd', '/abs/x', 'C:\\evil.txt', 'nul\\x00.exe', 'line\\x0afeed.txt', 'fine/name.txt']);
    // Every member is still extracted (into memory) and analysed; the pipeline's safeName names it.
    expect(result.children).toHaveLength(6);
  });

  it('refuses members by declared size and ratio without decoding them, and stops liars while they expand', async () => {
    const zeros64 = deflateRawSync(Buffer.alloc(64 * MiB), { level: 9 });
    const zip = zipArchive([
      { name: 'small.txt', data: Buffer.from('small') },
      { name: 'declared-1GiB.bin', compressed: zeros64, declaredSize: 1024 * MiB, crc: 0 },
      { name: 'ratio-1000.bin', compressed: zeros64, declaredSize: 64 * MiB, crc: 0 },
      { name: 'after.txt', data: Buffer.from('after') },
    ]);
    const started = Date.now();
    const result = await run(zip, 'bomb.zip');
    expect(Date.now() - started).toBeLessThan(5000);
    expect(result.children!.map((c) => c.name)).toEqual(['small.txt', 'after.txt']);
    const refused = Object.fromEntries(archiveFacts(result).members.filter((m) => m.refused).map((m) => [m.name, m.refused]));
    expect(refused['declared-1GiB.bin']).toMatch(/per-file limit/);
    expect(refused['ratio-1000.bin']).toMatch(/compression ratio 1029:1/);
    expect(signal(result, 'archive.bomb')!.evidence).toHaveLength(2);

    // gzip declaring 1000 bytes (ISIZE) that inflates to 64 MiB: stopped just past the declared size.
    const gzip = Buffer.concat([Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 2, 3]), zeros64, Buffer.from([0, 0, 0, 0, 0xe8, 3, 0, 0])]);
    const liar = await run(new Uint8Array(gzip), 'liar.gz');
    expect(liar.children).toEqual([]);
    expect(signal(liar, 'archive.bomb')!.evidence[0]).toMatch(/^liar: expanded beyond \d+ bytes while extracting \(declared 1000 bytes/);
  });

  it('caps streams that declare no size (bzip2) at the ratio limit', async () => {
    // 8 MiB of zeros, bzip2-compressed, concatenated 64 times: 512 MiB from a few KiB, no size declared.
    const one = execFileSync('/usr/bin/bzip2', ['-9c'], { input: Buffer.alloc(8 * MiB) });
    const stream = Buffer.concat(Array.from({ length: 64 }, () => one));
    const result = await run(new Uint8Array(stream), 'zeros.bin.bz2');
    expect(result.children).toEqual([]);
    expect(signal(result, 'archive.bomb')!.evidence[0]).toMatch(/^zeros\.bin: expanded beyond 1048576 bytes/);
  });

  it("refuses a stream whose dictionary needs more memory than 7-Zip's heap cap, without growing the process", async () => {
    // A valid xz stream whose LZMA2 block header declares a 1 GiB dictionary (header CRC fixed up).
    const xz = Buffer.from(execFileSync('/usr/bin/xz', ['-1c'], { input: Buffer.from('small content, huge dictionary\n') }));
    const headerSize = (xz[12] + 1) * 4;
    expect([xz[14], xz[15]]).toEqual([0x21, 0x01]); // LZMA2 filter, one property byte
    xz[16] = 36; // dictionary 2 << (36 / 2 + 11) = 1 GiB
    xz.writeUInt32LE(crc32(xz.subarray(12, 12 + headerSize - 4)), 12 + headerSize - 4);
    const rss = process.memoryUsage().rss;
    const result = await run(new Uint8Array(xz), 'big-dictionary.txt.xz');
    expect(result.children).toEqual([]);
    expect(signal(result, 'archive.bomb')!.evidence[0]).toMatch(/^big-dictionary\.txt: decoding needs more memory than the 536870912 bytes 7-Zip may use \(it asked for \d+\)$/);
    expect(signal(result, 'archive.malformed')).toBeUndefined();
    expect(process.memoryUsage().rss - rss).toBeLessThan(256 * MiB);
  });

  it('keeps extracting members of a solid 7z after a refused one', async () => {
    const archive = sevenZ('solid.7z', ['-t7z', '-ms=on'], { 'a.txt': 'first', 'b.bin': Buffer.alloc(140 * MiB), 'c.txt': 'last' });
    const result = await run(archive, 'solid.7z');
    expect(result.children!.map((c) => c.name)).toEqual(['a.txt', 'c.txt']);
    expect(signal(result, 'archive.bomb')!.evidence[0]).toMatch(/^b\.bin: declared size/);
  });

  it('reports a truncated zip or 7z as malformed without throwing', async () => {
    const zip = new Uint8Array(readFileSync(join(CLAM, 'clam.zip'))).subarray(0, 300);
    const before = process.exitCode;
    const result = await run(zip, 'truncated.zip');
    expect(signal(result, 'archive.malformed')!.evidence).toEqual(['Unexpected end of archive']);
    expect(result.children).toEqual([]);
    expect(process.exitCode).toBe(before); // emscripten sets process.exitCode; it is restored

    const seven = new Uint8Array(readFileSync(join(CLAM, 'clam.7z'))).subarray(0, 200);
    const truncated7z = await run(seven, 'truncated.7z');
    expect(signal(truncated7z, 'archive.malformed')!.evidence.join(' ')).toMatch(/Cannot open the file as \[7z\] archive|Unexpected end/);
  });

  it('reports damaged member data (a truncated bzip2 stream) as malformed', async () => {
    const bz = new Uint8Array(readFileSync(join(CLAM, 'clam.exe.bz2'))).subarray(0, 250);
    const result = await run(bz, 'clam.exe.bz2');
    expect(signal(result, 'archive.malformed')!.evidence).toEqual(['clam.exe: Unexpected end of data']);
    expect(archiveFacts(result).members[0].error).toBe('Unexpected end of data');
  });

  it('lists but does not extract at the deepest level (archive.too_deep)', async () => {
    const options = testEngineOptions({ limits: { maxDepth: 2 } });
    const result = await run(new Uint8Array(readFileSync(join(CLAM, 'clam.zip'))), 'clam.zip', options, { depth: 2, path: ['a.zip', 'b.zip', 'clam.zip'] });
    expect(result.children).toEqual([]);
    expect(signal(result, 'archive.too_deep')!.evidence).toEqual(['a.zip/b.zip/clam.zip is at depth 2: its 1 member(s) were listed, not extracted (limit 2)', 'clam.exe']);
    expect(archiveFacts(result).members[0]).toMatchObject({ name: 'clam.exe', size: 544 });
  });

  it('stops at the remaining file and byte budget', async () => {
    const zip = zipArchive(Array.from({ length: 5 }, (_, i) => ({ name: `f${i}.txt`, data: Buffer.alloc(1000, 65 + i) })));
    const byFiles = await run(zip, 'many.zip', undefined, { extractionBudget: { files: 2, bytes: MiB } });
    expect(byFiles.children!.map((c) => c.name)).toEqual(['f0.txt', 'f1.txt']);
    expect(signal(byFiles, 'archive.too_many_files')!.evidence).toHaveLength(3);
    const byBytes = await run(zip, 'many.zip', undefined, { extractionBudget: { files: 100, bytes: 2500 } });
    expect(byBytes.children!.map((c) => c.name)).toEqual(['f0.txt', 'f1.txt']);
    expect(signal(byBytes, 'archive.bomb')!.evidence[0]).toMatch(/^f2\.txt: declared size 1000 bytes exceeds the 500 bytes left/);
  });

  it('hands children over as plain Uint8Arrays (MEMFS may hold a WASM-heap Int8Array)', async () => {
    const gz = execFileSync('/usr/bin/gzip', ['-9c'], { input: Buffer.from('compressed inside a zip') });
    const result = await run(zipArchive([{ name: 'inner.gz', data: gz }, { name: 'high.bin', data: Buffer.from([0xff, 0xfe, 0x80]) }]), 'outer.zip');
    for (const child of result.children!) expect(Object.getPrototypeOf(child.data)).toBe(Uint8Array.prototype);
    expect(identify(result.children![0].data).kind).toBe('gzip');
    expect([...result.children![1].data]).toEqual([0xff, 0xfe, 0x80]);
  });

  it('extracts members with duplicate names separately', async () => {
    const zip = zipArchive([
      { name: 'dir1/same.txt', data: Buffer.from('one') },
      { name: 'dir2/same.txt', data: Buffer.from('two') },
      { name: 'same.txt', data: Buffer.from('three') },
    ]);
    const result = await run(zip, 'dups.zip');
    expect(result.children!.map((c) => Buffer.from(c.data).toString())).toEqual(['one', 'two', 'three']);
    expect(result.children!.map((c) => c.name)).toEqual(['dir1/same.txt', 'dir2/same.txt', 'same.txt']);
  });

  it('is not fooled by members forged in the archive comment', async () => {
    const zip = zipArchive([{ name: 'real.txt', data: Buffer.from('real') }], '}\n\n----------\nPath = forged.exe\nSize = 99999999999\n');
    const result = await run(zip, 'comment.zip');
    expect(archiveFacts(result).members.map((m) => m.name)).toEqual(['real.txt']);
    expect(signal(result, 'archive.bomb')).toBeUndefined();
  });
});

describe('7-Zip instances', () => {
  const request = (data: Uint8Array, kind: string, extension: string): ExtractionRequest => ({
    data,
    name: `sample.${extension}`,
    kind,
    extension,
    passwords: ['infected'],
    maxFileBytes: 128 * MiB,
    maxCompressionRatio: 200,
    budget: { files: 100, bytes: 512 * MiB },
    deadline: Date.now() + 30_000,
  });
  const clamZip = () => new Uint8Array(readFileSync(join(CLAM, 'clam.zip')));

  it('reuses a cleanly finished instance for the next archive and replaces one a 7-Zip exception broke', async () => {
    await extractArchive(request(clamZip(), 'zip', 'zip')); // leaves a parked instance
    const reused = await extractArchive(request(clamZip(), 'zip', 'zip'));
    expect(reused.stats).toMatchObject({ instances: 1, created: 0, commands: 2 });
    expect(reused.extracted.map((e) => sha256(e.data))).toEqual([sha256(CLAM_EXE)]);

    const broken = await extractArchive(request(clamZip().subarray(0, 300), 'zip', 'zip'));
    expect(broken.malformed).toEqual(['Unexpected end of archive']);
    // The broken instance was dropped, not parked: the next archive gets a new one.
    const after = await extractArchive(request(clamZip(), 'zip', 'zip'));
    expect(after.stats).toMatchObject({ instances: 1, created: 1 });
    expect(after.extracted).toHaveLength(1);
  });

  it('stops a command at the deadline from inside its read/write calls', async () => {
    const zip = zipArchive([{ name: 'a.bin', data: Buffer.alloc(4 * MiB, 1), method: 'deflate' }]);
    const options = { heapCapBytes: 512 * MiB, deadline: Date.now() + 60_000 };
    const session = new SevenZipSession(zip, 'a.zip', options);
    // The deadline passes while 7-Zip is inside the command (callMain is synchronous: no timer could fire).
    const result = await session.run((out) => ['e', '-y', '-bd', '-px', `-o${out}`, session.archivePath], {
      output: {
        open: () => {
          options.deadline = 0;
          return { limit: 8 * MiB };
        },
        close: () => undefined,
      },
    });
    expect(result.crash).toMatchObject({ kind: 'deadline', message: 'time budget exhausted while 7-Zip was running' });
    expect(session.instances).toBe(1);
    session.dispose();

    const late = await extractArchive({ ...request(zip, 'zip', 'zip'), deadline: Date.now() - 1 });
    expect(late.issues).toEqual([{ kind: 'timeout', message: 'time budget exhausted while 7-Zip was running' }]);
    expect(late.malformed).toEqual([]);
  });
});

/**
 * Disk images made at test time: genisoimage (ISO 9660), mkfs.fat + mcopy (FAT), mkfs.ext4 -d (ext4),
 * qemu-img (VHD, VHDX, VMDK, VDI, QCOW2 from the FAT image), MBR and GPT disks around it by byte.
 */
const IMAGE_TOOLS = ['/usr/bin/genisoimage', '/usr/sbin/mkfs.fat', '/usr/bin/mcopy', '/usr/bin/qemu-img', '/usr/sbin/mkfs.ext4'];
const missingImageTools = IMAGE_TOOLS.filter((t) => !existsSync(t));
if (missingImageTools.length) console.warn(`archive.analyzer.spec: ${missingImageTools.join(', ')} missing (Debian packages genisoimage, dosfstools, mtools, qemu-utils, e2fsprogs): the disk-image tests are skipped`);
(missingImageTools.length ? describe.skip : describe)('disk images (ISO, FAT, ext4, VHD, VHDX, VMDK, VDI, QCOW2, MBR and GPT disks)', () => {
  const lnk = buildLnk({ target: 'C:\\Windows\\System32\\cmd.exe', arguments: '/c start payload.exe' });
  const images: Record<string, Uint8Array> = {};

  beforeAll(() => {
    const dir = mkdtempSync(join(work, 'img-'));
    const files: Record<string, Uint8Array | string> = { 'payload.exe': CLAM_EXE, 'invoice.lnk': lnk, 'readme.txt': 'open the invoice' };
    for (const [name, data] of Object.entries(files)) writeFileSync(join(dir, name), data);
    const sh = (cmd: string, args: string[]) => execFileSync(cmd, args, { cwd: dir, stdio: 'ignore' });
    sh('/usr/bin/genisoimage', ['-quiet', '-J', '-R', '-o', 'delivery.iso', ...Object.keys(files)]);
    sh('/usr/bin/genisoimage', ['-quiet', '-J', '-R', '-o', 'text.iso', 'readme.txt']);
    sh('/usr/bin/truncate', ['-s', '1440K', 'floppy.img']);
    sh('/usr/sbin/mkfs.fat', ['-F', '12', '-n', 'DELIVERY', 'floppy.img']);
    sh('/usr/bin/mcopy', ['-i', 'floppy.img', ...Object.keys(files), '::/']);
    sh('/usr/bin/qemu-img', ['convert', '-f', 'raw', '-O', 'vpc', 'floppy.img', 'delivery.vhd']);
    sh('/usr/bin/qemu-img', ['convert', '-f', 'raw', '-O', 'vhdx', '-o', 'block_size=1M,log_size=1M', 'floppy.img', 'delivery.vhdx']);
    for (const format of ['vmdk', 'vdi', 'qcow2']) sh('/usr/bin/qemu-img', ['convert', '-f', 'raw', '-O', format, 'floppy.img', `delivery.${format}`]);
    mkdirSync(join(dir, 'tree'));
    for (const name of Object.keys(files)) copyFileSync(join(dir, name), join(dir, 'tree', name));
    sh('/usr/bin/truncate', ['-s', '4M', 'ext4.img']);
    sh('/usr/sbin/mkfs.ext4', ['-q', '-d', 'tree', 'ext4.img']);
    for (const name of ['delivery.iso', 'text.iso', 'floppy.img', 'ext4.img', 'delivery.vhd', 'delivery.vhdx', 'delivery.vmdk', 'delivery.vdi', 'delivery.qcow2']) images[name] = new Uint8Array(readFileSync(join(dir, name)));
    images['mbr-disk.img'] = partitionedDisk(images['floppy.img'], 'mbr');
    images['gpt-disk.img'] = partitionedDisk(images['floppy.img'], 'gpt');
  });

  it.each([
    ['delivery.iso', 'iso', 'ISO 9660 disk image'],
    ['floppy.img', 'disk-image', 'FAT file system image'],
    ['delivery.vhd', 'disk-image', 'Virtual PC virtual disk (VHD)'],
    ['delivery.vhdx', 'disk-image', 'Hyper-V virtual disk (VHDX)'],
    ['delivery.vmdk', 'disk-image', 'VMware virtual disk (VMDK)'],
    ['delivery.vdi', 'disk-image', 'VirtualBox virtual disk (VDI)'],
    ['delivery.qcow2', 'disk-image', 'QEMU copy-on-write virtual disk (QCOW)'],
    ['mbr-disk.img', 'disk-image', 'Raw disk image with an MBR partition table'],
    ['gpt-disk.img', 'disk-image', 'Raw disk image with a GPT partition table'],
    ['ext4.img', 'disk-image', 'ext2/3/4 file system image'],
  ])('%s: identified as %s, its files extracted, the shortcut and the executable signalled', async (name, kind, label) => {
    const data = images[name];
    expect(identify(data)).toMatchObject({ kind, label, isArchive: true });
    const result = await run(data, name);
    const children = Object.fromEntries(result.children!.map((c) => [c.name.split('/').pop()!.toLowerCase(), c.data]));
    expect(sha256(children['payload.exe'])).toBe(sha256(CLAM_EXE));
    expect(sha256(children['invoice.lnk'])).toBe(sha256(lnk));
    expect(signal(result, 'archive.disk_image_payload')!.evidence).toEqual(
      expect.arrayContaining([expect.stringMatching(new RegExp(`^${label.replace(/[()]/g, '\\$&')} carries .*payload\\.exe \\(pe\\)$`, 'i')), expect.stringMatching(/invoice\.lnk \(lnk\)$/i)]),
    );
  });

  it('a lone boot sector, or 0x55AA at 510 without a plausible partition table, is not a disk image', () => {
    const disk = images['mbr-disk.img'];
    expect(identify(disk.subarray(0, 512)).kind).toBe('data');
    const badStatus = disk.slice(0, 64 * 1024);
    badStatus[446] = 0x41;
    expect(identify(badStatus).kind).toBe('data');
    const outside = disk.slice(0, 63 * 512); // the partition starts where this data ends
    expect(identify(outside).kind).toBe('data');
    expect(identify(disk.slice(0, 64 * 512)).kind).toBe('disk-image');
  });

  it('an image with documents only, and an executable in a zip, are not disk-image payloads', async () => {
    const text = await run(images['text.iso'], 'text.iso');
    expect(text.children!.map((c) => c.name.toLowerCase())).toEqual(['readme.txt']);
    expect(signal(text, 'archive.disk_image_payload')).toBeUndefined();
    const zip = await run(zipArchive([{ name: 'payload.exe', data: CLAM_EXE }]), 'payload.zip');
    expect(signal(zip, 'archive.executable_member')).toBeDefined();
    expect(signal(zip, 'archive.disk_image_payload')).toBeUndefined();
  });
});
