import { attr, decodeEntities, elements } from './xml';

/**
 * Word field codes: DDE / DDEAUTO (run a program through Dynamic Data Exchange, T1559.002),
 * INCLUDEPICTURE / INCLUDETEXT (fetch remote content), HYPERLINK. Read from WordprocessingML
 * (`w:fldSimple/@w:instr`, and `w:instrText` runs between `w:fldChar` begin/separate/end, nested
 * fields included) and from the WordDocument stream of binary .doc files (field begin 0x13,
 * separator 0x14, end 0x15, in 8-bit or UTF-16 text).
 */
export type FieldKind = 'dde' | 'include' | 'hyperlink' | 'other';

export interface FieldFinding {
  kind: FieldKind;
  /** Field code keyword (DDEAUTO, INCLUDEPICTURE ...). */
  code: string;
  instruction: string;
  where: string;
}

const MAX_INSTRUCTION = 1024;
const DANGEROUS_DDE = /cmd(\.exe)?|powershell|pwsh|mshta|rundll32|regsvr32|certutil|bitsadmin|wscript|cscript|msiexec|msexcel|\.exe\b|\\\\/i;

export function classifyField(instruction: string, where: string): FieldFinding | null {
  const text = instruction.replace(/\s+/g, ' ').trim();
  const m = /^\\?([A-Za-z]+)\b/.exec(text);
  if (!m) return null;
  const code = m[1].toUpperCase();
  const kind: FieldKind = code === 'DDE' || code === 'DDEAUTO' ? 'dde' : code === 'INCLUDEPICTURE' || code === 'INCLUDETEXT' || code === 'IMPORT' ? 'include' : code === 'HYPERLINK' ? 'hyperlink' : 'other';
  return { kind, code, instruction: text.slice(0, MAX_INSTRUCTION), where };
}

/** DDE instructions that start a shell or a script host. */
export function dangerousDde(field: FieldFinding): boolean {
  return field.kind === 'dde' && DANGEROUS_DDE.test(field.instruction);
}

/** URLs and UNC paths named by a field instruction (HYPERLINK "url", INCLUDEPICTURE "url"). */
export function fieldTargets(field: FieldFinding): string[] {
  const out: string[] = [];
  for (const m of field.instruction.matchAll(/"((?:https?|ftp|file):\/\/[^"]+|\\\\[^"]+)"|((?:https?|ftp):\/\/[^\s"]+)/gi)) out.push((m[1] ?? m[2]).trim());
  return out;
}

/** Field instructions of a WordprocessingML part (document.xml, header1.xml ...). */
export function wordXmlFields(xml: string, where: string, max = 500): FieldFinding[] {
  const out: FieldFinding[] = [];
  for (const e of elements(xml, ['fldSimple'], { max })) {
    const f = classifyField(attr(e, 'instr') ?? '', where);
    if (f && out.length < max) out.push(f);
  }
  // Complex fields: instruction text spread over runs, fields nested inside instructions.
  const re = /<(?:[A-Za-z_][\w.-]*:)?(fldChar|instrText)\b([^>]*?)(\/?)>/g;
  const stack: string[] = [];
  for (let m = re.exec(xml); m && out.length < max; m = re.exec(xml)) {
    if (m[1] === 'fldChar') {
      const type = /fldCharType\s*=\s*["'](\w+)["']/.exec(m[2])?.[1];
      if (type === 'begin') {
        if (stack.length < 64) stack.push('');
      } else if (type === 'end' && stack.length) {
        const instruction = stack.pop()!;
        const f = classifyField(instruction, where);
        if (f) out.push(f);
        if (stack.length) stack[stack.length - 1] += ' ';
      }
      continue;
    }
    if (m[3] === '/') continue;
    const close = xml.indexOf('<', re.lastIndex);
    const text = decodeEntities(xml.slice(re.lastIndex, close < 0 ? xml.length : close));
    if (stack.length) stack[stack.length - 1] = (stack[stack.length - 1] + text).slice(0, MAX_INSTRUCTION * 4);
  }
  return out;
}

/**
 * Field instructions in a binary Word document's text (WordDocument stream): after each field
 * begin mark (0x13) up to the separator or end mark, as 8-bit text or as UTF-16 text.
 */
export function binaryWordFields(stream: Uint8Array, where: string, max = 500): FieldFinding[] {
  const out: FieldFinding[] = [];
  const latin = new TextDecoder('windows-1252');
  const utf16 = new TextDecoder('utf-16le', { fatal: false });
  for (let i = stream.indexOf(0x13); i >= 0 && out.length < max; i = stream.indexOf(0x13, i + 1)) {
    const wide = stream[i + 1] === 0;
    const start = wide ? i + 2 : i + 1;
    const limit = Math.min(stream.length, start + MAX_INSTRUCTION * (wide ? 2 : 1));
    let end = start;
    if (wide) {
      while (end + 1 < limit && !((stream[end] === 0x14 || stream[end] === 0x15 || stream[end] === 0x13) && stream[end + 1] === 0)) end += 2;
    } else {
      while (end < limit && stream[end] !== 0x14 && stream[end] !== 0x15 && stream[end] !== 0x13) end++;
    }
    if (end >= limit) continue;
    const text = wide ? utf16.decode(stream.subarray(start, end)) : latin.decode(stream.subarray(start, end));
    // Real instructions are text: skip binary that happens to contain 0x13.
    // eslint-disable-next-line no-control-regex
    if (!text.trim() || /[\u0000-\u0008\u000e-\u001f]/.test(text) || !/^\s*\\?[A-Za-z]{2,}/.test(text)) continue;
    const f = classifyField(text, where);
    if (f) out.push(f);
  }
  return out;
}
