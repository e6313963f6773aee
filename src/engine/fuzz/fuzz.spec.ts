import { createHash } from 'node:crypto';
import { inflateRawSync } from 'node:zlib';
import { AnalysisPipeline } from '../pipeline';
import { testEngineOptions } from '../testing/engine-options';
import { fileContext } from '../testing/file-context';
import { minimalPe, seededBytes } from '../testing/samples';
import { zipArchive } from '../testing/zip-writer';
import type { AnalysisResult, Analyzer } from '../types';
import { runFuzz } from './harness';
import { buildCase, CorpusFile, MUTATORS, nestedPdf, zeroDeflate } from './mutators';
import { caseSeed, Rng } from './prng';
import { sizeFields, writeField } from './size-fields';

const sha = (d: Uint8Array) => createHash('sha256').update(d).digest('hex');
const corpus: CorpusFile[] = [
  { name: 'agent.exe', data: minimalPe({ size: 4096 }) },
  { name: 'bundle.zip', data: zipArchive([{ name: 'a.txt', data: new Uint8Array(Buffer.from('hello http://198.51.100.1/x')), method: 'deflate' }]) },
  { name: 'notes.txt', data: new Uint8Array(Buffer.from('Minutes of the meeting.\n')) },
  { name: 'blob.bin', data: seededBytes(2048, 3) },
];

describe('fuzz mutations', () => {
  it('rebuild a case byte for byte from its seed', () => {
    for (let i = 0; i < 50; i++) {
      const seed = caseSeed(7, i);
      const a = buildCase(corpus, seed);
      const b = buildCase(corpus, seed);
      expect(b.mutation).toBe(a.mutation);
      expect(b.item).toBe(a.item);
      expect(sha(b.data)).toBe(sha(a.data));
    }
    expect(caseSeed(7, 0)).not.toBe(caseSeed(7, 1));
    expect(caseSeed(7, 0)).not.toBe(caseSeed(8, 0));
  });

  it('never change the corpus file and stay within the size limit', () => {
    const before = corpus.map((c) => sha(c.data));
    for (const mutator of MUTATORS) {
      for (let seed = 1; seed <= 30; seed++) {
        const rng = new Rng(seed);
        for (const file of corpus) {
          const out = mutator.apply(file.data, rng, { other: () => corpus[rng.int(corpus.length)], maxBytes: 1024 * 1024 });
          expect(out.data).toBeInstanceOf(Uint8Array);
          expect(out.description.startsWith(mutator.name)).toBe(true);
        }
      }
    }
    for (let i = 0; i < 200; i++) expect(buildCase(corpus, caseSeed(3, i), { maxBytes: 64 * 1024 }).data.length).toBeLessThanOrEqual(64 * 1024);
    expect(corpus.map((c) => sha(c.data))).toEqual(before);
  });

  it('find the size and offset fields of PE and ZIP headers', () => {
    const pe = minimalPe({ size: 4096 });
    const labels = sizeFields(pe).map((f) => f.label);
    expect(labels).toEqual(expect.arrayContaining(['pe.e_lfanew', 'pe.NumberOfSections', 'pe.SizeOfImage', 'pe.dir.import.size']));
    const zip = corpus[1].data;
    const fields = sizeFields(zip);
    expect(fields.map((f) => f.label)).toEqual(expect.arrayContaining(['zip.local.compressedSize', 'zip.cd.uncompressedSize', 'zip.eocd.directoryOffset']));
    const copy = new Uint8Array(zip);
    const size = fields.find((f) => f.label === 'zip.cd.uncompressedSize')!;
    writeField(copy, size, 0xffffffffn);
    expect(Buffer.from(copy).readUInt32LE(size.offset)).toBe(0xffffffff);
  });

  it('write a deflate stream of zeros a thousand times smaller than what it expands to', () => {
    for (const size of [0, 1, 258, 259, 1000, 4 * 1024 * 1024 + 7]) {
      const stream = zeroDeflate(size);
      const inflated = inflateRawSync(stream);
      expect(inflated.length).toBe(size);
      expect(inflated.every((b) => b === 0)).toBe(true);
      if (size > 100_000) expect(stream.length).toBeLessThan(size / 150);
    }
  });

  it('nest arrays in a PDF as deep as asked, with a valid xref', () => {
    const pdf = Buffer.from(nestedPdf(1000, 'array', true, new Uint8Array([1, 2, 3])));
    const text = pdf.toString('latin1');
    expect(text.startsWith('%PDF-1.7')).toBe(true);
    expect(text).toContain('['.repeat(1000) + '0' + ']'.repeat(1000));
    const startxref = Number(/startxref\n(\d+)/.exec(text)![1]);
    expect(text.slice(startxref, startxref + 4)).toBe('xref');
  });
});

describe('fuzz harness checks (fake engines that break each rule)', () => {
  const base = { corpus, cases: 4, seed: 1, mode: 'pipeline' as const, engineOptions: testEngineOptions({ limits: { maxAnalysisMs: 30_000 } }) };
  const realPipeline = new AnalysisPipeline([]);
  const throwing: Analyzer = {
    name: 'throws',
    budgetMs: 1000,
    appliesTo: () => true,
    analyze: async () => {
      throw new Error('parser bug');
    },
  };

  it('counts a rejected analysis as an escaped exception, with its seed and stack', async () => {
    const summary = await runFuzz({ ...base, engine: () => ({ analyze: async () => Promise.reject(new TypeError('boom')) }) });
    expect(summary.failureCounts.escaped).toBe(4);
    expect(summary.failures[0]).toMatchObject({ kind: 'escaped', seed: caseSeed(1, 0) });
    expect(summary.failures[0].message).toContain('TypeError: boom');
  });

  it('counts a result without files as no report', async () => {
    const summary = await runFuzz({ ...base, engine: () => ({ analyze: async () => ({ files: [], verdict: { verdict: 'UNKNOWN', threatLevel: 0, confidence: 0 }, durationMs: 1 }) as unknown as AnalysisResult }) });
    expect(summary.failureCounts['no-report']).toBe(4);
  });

  it('counts an analysis past the budget and slack as an overrun', async () => {
    const summary = await runFuzz({
      ...base,
      cases: 2,
      engineOptions: testEngineOptions({ limits: { maxAnalysisMs: 100 } }),
      slackMs: 100,
      engine: () => ({
        analyze: async (input, o) => {
          await new Promise((r) => setTimeout(r, 400));
          return realPipeline.analyze(input, o);
        },
      }),
    });
    expect(summary.failureCounts.overrun).toBe(2);
  });

  it('counts an analyzer exception missing from the report as unrecorded, and the real pipeline records it', async () => {
    const silent = await runFuzz({
      ...base,
      analyzers: () => [throwing],
      engine: (analyzers) => ({
        analyze: async (input, o) => {
          for (const a of analyzers) await a.analyze(fileContext(input.data, input.name)).catch(() => undefined);
          return realPipeline.analyze(input, o);
        },
      }),
    });
    expect(silent.failureCounts.unrecorded).toBe(4);
    expect(silent.failures[0]).toMatchObject({ analyzer: 'throws' });

    const real = await runFuzz({ ...base, analyzers: () => [throwing] });
    expect(real.failures).toEqual([]);
    expect(real.issues.throws.error).toBe(4);
    expect(real.analyzers.throws.threw).toBe(4);
  });
});
