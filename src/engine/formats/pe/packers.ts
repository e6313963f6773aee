import type { PeFile, PeSection } from './pe-file';

/**
 * Packers and protectors, by what they leave behind: section names, entry-point code (byte
 * patterns with `??` wildcards, from the packers' published stubs) and markers in the headers. Each
 * detection names its evidence. The heuristics for unknown packers are listed separately: a
 * high-entropy executable section, the entry point in the last or in a writable section, a section
 * with no file bytes but a large virtual size that is executable (unpacked into at run time), an
 * import table of little more than LoadLibrary and GetProcAddress.
 */

export interface PackerHit {
  /** Short id, the suffix of the `pe.packed.<id>` signal. */
  id: string;
  name: string;
  evidence: string[];
}

interface PackerRule {
  id: string;
  name: string;
  sections?: string[];
  /** Entry-point patterns: hex bytes, `??` any byte. */
  entry?: string[];
  /** Markers searched for in the first 4 KiB (headers and stub). */
  headerMarkers?: string[];
}

const RULES: PackerRule[] = [
  {
    id: 'upx',
    name: 'UPX',
    sections: ['UPX0', 'UPX1', 'UPX2', 'UPX!'],
    entry: ['60 BE ?? ?? ?? ?? 8D BE ?? ?? ?? ?? 57', '53 56 57 55 48 8D 35 ?? ?? ?? ?? 48 8D BE'],
    headerMarkers: ['UPX!'],
  },
  { id: 'aspack', name: 'ASPack', sections: ['.aspack', '.adata'], entry: ['60 E8 03 00 00 00 E9 EB', '60 E8 00 00 00 00 5D 81 ED ?? ?? ?? ?? B8 ?? ?? ?? ?? 03 C5'] },
  { id: 'fsg', name: 'FSG', entry: ['87 25 ?? ?? ?? ?? 61 94 55 A4 B6 80 FF 13', 'BB D0 01 40 00 BF 00 10 40 00 BE', 'BE A4 01 40 00 AD 93 AD 97 AD 56 96 B2 80'], headerMarkers: ['FSG!'] },
  { id: 'mew', name: 'MEW', sections: ['MEW'], entry: ['E9 ?? ?? ?? FF 0C ?? 00 00 00 00 00 00 00 00 00'] },
  { id: 'mpress', name: 'MPRESS', sections: ['.MPRESS1', '.MPRESS2'], entry: ['60 E8 00 00 00 00 58 05 ?? ?? ?? ?? 8B 30 03 F0 2B C0 8B FE 66 AD C1 E0 0C'] },
  { id: 'petite', name: 'PEtite', sections: ['.petite'], entry: ['B8 ?? ?? ?? ?? 68 ?? ?? ?? ?? 64 FF 35 00 00 00 00', 'B8 ?? ?? ?? ?? 66 9C 60 50'] },
  { id: 'upack', name: 'Upack', sections: ['.Upack', '.ByDwing'], entry: ['BE ?? ?? ?? ?? AD 50 FF 76 34 EB 7C 48'] },
  { id: 'pespin', name: 'PESpin', sections: ['.taz'], entry: ['EB 01 ?? 60 E8 00 00 00 00 8B 1C 24 83 C3 12 81 2B E8 B1 06 00 FE 4B FD 82 2C 24'] },
  { id: 'wwpack', name: 'WWPack32', sections: ['.WWP32', '.WWPACK'], entry: ['53 55 8B E8 33 DB EB 60'], headerMarkers: ['WWPack32'] },
  { id: 'yc', name: "yoda's Crypter", sections: ['yC'], entry: ['55 8B EC 53 56 57 60 E8 00 00 00 00 5D 81 ED ?? ?? ?? ?? BA ?? ?? ?? ?? 03 D5'] },
  { id: 'yp', name: "yoda's Protector", sections: ['.yP'] },
  { id: 'themida', name: 'Themida / WinLicense', sections: ['.themida', '.winlice', 'Themida', 'WinLicen'] },
  { id: 'vmprotect', name: 'VMProtect', sections: ['.vmp0', '.vmp1', '.vmp2'] },
  { id: 'enigma', name: 'Enigma Protector', sections: ['.enigma1', '.enigma2'] },
  { id: 'nspack', name: 'NsPack', sections: ['.nsp0', '.nsp1', '.nsp2', 'nsp0', 'nsp1', 'nsp2'] },
  { id: 'pecompact', name: 'PECompact', sections: ['PEC2', 'PECompact2', 'pec1', 'pec2', 'PEC2TO', 'PEC2MO'] },
  { id: 'mpress', name: 'MPRESS', sections: ['MPRESS1', 'MPRESS2'] },
  { id: 'kkrunchy', name: 'kkrunchy', sections: ['kkrunchy'] },
  { id: 'rlpack', name: 'RLPack', sections: ['.RLPack', '.packed'] },
];

const parsePattern = (p: string) => p.split(' ').map((b) => (b === '??' ? -1 : parseInt(b, 16)));
const COMPILED = RULES.map((r) => ({ ...r, entryBytes: (r.entry ?? []).map(parsePattern) }));

const matches = (data: Uint8Array, at: number, pattern: number[]) => {
  if (at < 0 || at + pattern.length > data.length) return false;
  for (let i = 0; i < pattern.length; i++) if (pattern[i] >= 0 && data[at + i] !== pattern[i]) return false;
  return true;
};

export interface PackingAnalysis {
  packers: PackerHit[];
  /** Traits of packed code, whatever the packer. */
  heuristics: string[];
}

export const HIGH_ENTROPY_SECTION = 7.0;

export function detectPackers(pe: PeFile, entrySection: PeSection | undefined, importCount: number, importNames: Set<string>): PackingAnalysis {
  const packers = new Map<string, PackerHit>();
  const hit = (rule: PackerRule, evidence: string) => {
    const existing = packers.get(rule.id);
    if (existing) existing.evidence.push(evidence);
    else packers.set(rule.id, { id: rule.id, name: rule.name, evidence: [evidence] });
  };
  const names = pe.sections.map((s) => s.name);
  const entryRva = pe.optional?.addressOfEntryPoint ?? 0;
  const entryOffset = entryRva ? pe.rvaToOffset(entryRva) : -1;
  const head = Buffer.from(pe.data.buffer, pe.data.byteOffset, Math.min(pe.data.length, 4096));
  for (const rule of COMPILED) {
    for (const s of rule.sections ?? []) if (names.includes(s)) hit(rule, `section ${s}`);
    for (const [i, pattern] of rule.entryBytes.entries()) if (matches(pe.data, entryOffset, pattern)) hit(rule, `entry point code matches the ${rule.name} stub (${rule.entry![i].slice(0, 23)}...)`);
    for (const marker of rule.headerMarkers ?? []) {
      const at = head.indexOf(marker, 0, 'latin1');
      if (at >= 0) hit(rule, `marker "${marker}" at 0x${at.toString(16)}`);
    }
  }
  // Upack's tell: the PE header inside the DOS header, a DLL name at offset 2.
  if (pe.peOffset === 0x10 && /^[A-Z0-9]+\.DLL$/i.test(Buffer.from(pe.data.subarray(2, 16)).toString('latin1').replace(/\0+$/, ''))) {
    hit(RULES.find((r) => r.id === 'upack')!, 'PE header at 0x10 with a DLL name in the DOS header');
  }

  const heuristics: string[] = [];
  for (const s of pe.sections) {
    if (s.executable && s.rawSize >= 512 && s.entropy > HIGH_ENTROPY_SECTION) heuristics.push(`executable section ${s.name} has entropy ${s.entropy.toFixed(2)}`);
    if (s.executable && s.rawSize === 0 && s.virtualSize >= 0x1000) heuristics.push(`executable section ${s.name} has no file bytes but ${s.virtualSize} bytes in memory`);
  }
  if (entrySection) {
    if (entrySection.writable) heuristics.push(`the entry point is in the writable section ${entrySection.name}`);
    if (pe.sections.length > 1 && entrySection === pe.sections[pe.sections.length - 1] && !['.text', 'CODE', '.code'].includes(entrySection.name)) {
      heuristics.push(`the entry point is in the last section (${entrySection.name})`);
    }
  }
  const loader = [...importNames].some((n) => /^(LoadLibrary(Ex)?[AW]?|LdrLoadDll)$/.test(n)) && [...importNames].some((n) => /^(GetProcAddress|LdrGetProcedureAddress)$/.test(n));
  if (loader && importCount <= 10) heuristics.push(`only ${importCount} imported function(s), LoadLibrary and GetProcAddress among them`);
  return { packers: [...packers.values()], heuristics };
}
