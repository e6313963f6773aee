import { entropy } from '../hashing/entropy';
import type { FileKind } from '../identify/identify';
import type { Analyzer, AnalyzerResult, FileContext, SignalHit } from '../types';

/**
 * What a file's name claims against what its content is:
 *
 * - `file.double_extension`: an executable extension behind a document one (`invoice.pdf.exe`,
 *   `photo.jpg      .scr`, padding with spaces, underscores or invisible characters included);
 * - `file.rtlo_name`: a right-to-left override (U+202E) that makes `invoice\u202Efdp.exe` display as
 *   `invoiceexe.pdf`;
 * - `file.type_mismatch`: a document, image or text extension on an executable (or a script posing as
 *   a document), or an executable extension on a document. Only identifications that do not depend on
 *   heuristics count for text names: a `.txt` that reads like a script is not flagged;
 * - `file.high_entropy`: whole-file entropy above 7.2 bits/byte on more than 4 KiB of a kind that is not
 *   compressed by nature (archives, images, PDF and Office containers are; unrecognised data says
 *   nothing either way).
 */

/** Extensions that run code when opened. */
export const EXECUTABLE_EXTENSIONS = new Set('exe scr com pif bat cmd vbs vbe js jse wsf wsh hta ps1 psm1 msi msp lnk cpl jar dll sct'.split(' '));
/** Extensions a lure pretends to be. */
export const DECOY_EXTENSIONS = new Set(
  'pdf doc docx docm dot dotx xls xlsx xlsm ppt pptx pps ppsx rtf txt csv odt ods odp jpg jpeg png gif bmp tif tiff svg mp3 mp4 avi mov wav mkv wmv zip rar 7z htm html xml eml msg'.split(' '),
);
/** Names claiming a document, image or media file. */
const DOCUMENT_NAME_EXTENSIONS = new Set('pdf doc docx docm dot dotx xls xlsx xlsm ppt pptx pps ppsx rtf odt ods odp jpg jpeg png gif bmp tif tiff ico mp3 mp4 avi mov wav mkv wmv'.split(' '));
/** Names claiming plain text or data. */
const TEXT_NAME_EXTENSIONS = new Set('txt csv log md json xml ini cfg conf'.split(' '));
/** Names claiming a Windows executable. */
const PE_NAME_EXTENSIONS = new Set('exe dll scr sys cpl ocx drv efi com'.split(' '));

/** Content identified by exact structure as native code or a shortcut. */
const EXECUTABLE_KINDS = new Set<FileKind>(['pe', 'elf', 'macho', 'dex', 'lnk']);
/** Content identified as a script (by keywords: not trusted for names that claim text). */
const SCRIPT_KINDS = new Set<FileKind>(['hta', 'javascript', 'vbscript', 'powershell', 'batch']);
/** Content identified as a document or an image. */
const DOCUMENT_KINDS = new Set<FileKind>(['pdf', 'ole', 'ooxml', 'odf', 'rtf', 'image']);

/** Kinds whose content is compressed or encrypted by design, or unrecognised: high entropy is expected there. */
const ENTROPY_EXEMPT_KINDS = new Set<FileKind>([
  'zip', 'jar', 'apk', '7z', 'rar', 'gzip', 'bzip2', 'xz', 'zstd', 'tar', 'cab', 'iso', 'arj', 'cpio', 'chm', 'tnef',
  'image', 'pdf', 'ole', 'ooxml', 'odf', 'data', 'empty',
]);
export const HIGH_ENTROPY = 7.2;
export const HIGH_ENTROPY_MIN_SIZE = 4096;

const RLO = '\u202e';
const PDF_MARK = '\u202c';
/** Padding between a decoy extension and the real one: whitespace, underscores, invisible characters. */
const PADDING = /[\s_\u00a0\u115f\u1160\u2000-\u200f\u2028-\u202f\u205f\u2060\u3000\u3164\ufeff]+$/u;

/** The base name (last path segment). */
const baseName = (name: string) => name.slice(Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\')) + 1);

export function extensionOf(name: string): string {
  const base = baseName(name);
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(dot + 1).trim().toLowerCase() : '';
}

/** `invoice.pdf.exe` → { decoy: 'pdf', real: 'exe', padded: false }; null when the name is not a lure. */
export function doubleExtension(name: string): { decoy: string; real: string; padded: boolean } | null {
  const parts = baseName(name).split('.');
  if (parts.length < 3 || !parts[0].trim()) return null;
  const real = parts[parts.length - 1].trim().toLowerCase();
  if (!EXECUTABLE_EXTENSIONS.has(real)) return null;
  const inner = parts[parts.length - 2];
  const decoy = inner.replace(PADDING, '').toLowerCase();
  if (!DECOY_EXTENSIONS.has(decoy)) return null;
  return { decoy, real, padded: decoy.length !== inner.length };
}

/** How a name with a right-to-left override is displayed: the characters after it, up to a POP DIRECTIONAL FORMATTING, reversed. */
export function displayedName(name: string): string {
  let out = '';
  let i = 0;
  while (i < name.length) {
    const rlo = name.indexOf(RLO, i);
    if (rlo < 0) {
      out += name.slice(i);
      break;
    }
    out += name.slice(i, rlo);
    const pop = name.indexOf(PDF_MARK, rlo + 1);
    const end = pop < 0 ? name.length : pop;
    out += [...name.slice(rlo + 1, end)].reverse().join('');
    i = pop < 0 ? name.length : pop + 1;
  }
  return out;
}

const visible = (name: string) => name.replace(/\u202e/g, '[U+202E]').replace(/\u202c/g, '[U+202C]');

export function typeMismatch(name: string, kind: FileKind, label: string): string | null {
  const ext = extensionOf(name);
  if (!ext) return null;
  if ((DOCUMENT_NAME_EXTENSIONS.has(ext) || TEXT_NAME_EXTENSIONS.has(ext)) && EXECUTABLE_KINDS.has(kind)) return `named .${ext} but the content is ${label}`;
  if (DOCUMENT_NAME_EXTENSIONS.has(ext) && SCRIPT_KINDS.has(kind)) return `named .${ext} but the content is a ${label}`;
  if (PE_NAME_EXTENSIONS.has(ext) && DOCUMENT_KINDS.has(kind)) return `named .${ext} but the content is a ${label}`;
  return null;
}

export class FileNameAnalyzer implements Analyzer {
  readonly name = 'file-name';
  readonly budgetMs = 5_000;

  appliesTo(): boolean {
    return true;
  }

  async analyze(file: FileContext): Promise<AnalyzerResult> {
    const signals: SignalHit[] = [];
    const facts: Record<string, unknown> = {};
    const name = file.name ?? '';
    const { kind, label } = file.identity;

    if (name.includes(RLO)) {
      const shown = displayedName(name);
      facts.displayedName = shown;
      signals.push({ id: 'file.rtlo_name', evidence: [`${visible(name)} is displayed as ${shown}`] });
    }
    const double = doubleExtension(name.replace(/[\u202a-\u202e\u2066-\u2069]/g, ''));
    if (double) {
      signals.push({
        id: 'file.double_extension',
        evidence: [`${visible(name)}: .${double.real} behind .${double.decoy}${double.padded ? ' (padded to push the real extension out of view)' : ''}`],
      });
    }
    const mismatch = typeMismatch(name, kind, label);
    if (mismatch) signals.push({ id: 'file.type_mismatch', evidence: [`${visible(baseName(name))}: ${mismatch}`] });

    if (file.data.length > HIGH_ENTROPY_MIN_SIZE && !ENTROPY_EXEMPT_KINDS.has(kind)) {
      const h = entropy(file.data);
      if (h > HIGH_ENTROPY) signals.push({ id: 'file.high_entropy', evidence: [`entropy ${h.toFixed(2)} bits/byte over ${file.data.length} bytes of ${label}`] });
    }

    const extension = extensionOf(name);
    if (extension) facts.extension = extension;
    return { signals, facts: Object.keys(facts).length ? { fileName: facts } : undefined, tags: double || name.includes(RLO) ? ['masquerading'] : undefined };
  }
}
