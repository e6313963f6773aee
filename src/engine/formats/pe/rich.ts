import { createHash } from 'node:crypto';
import type { PeFile } from './pe-file';
import { hex } from './reader';

/**
 * The Rich header: the XOR-encoded list of Microsoft build tools (@comp.id: product id, build,
 * object count) that the MSVC linker writes between the DOS stub and the PE header.
 *
 * Layout: `DanS` ^ key, three padding dwords equal to the key, then (comp.id ^ key, count ^ key)
 * pairs, then `Rich` and the key in clear. The key is a checksum the linker computes over the DOS
 * header (e_lfanew left out) and the entries: a header copied from another file's different DOS
 * stub, or edited, no longer matches its key. A header whose Linker entry names another linker
 * version than the optional header's is inconsistent too (the Olympic Destroyer false flag). Either
 * makes `valid` false with the reason in `problems`.
 *
 * Product names by id are the names Microsoft's tools use internally (Linker1400 = the VS2015–2022
 * linker, Utc1900_CPP = their C++ compiler, Import0 = imported functions ...), indexed from 0.
 */
const PRODUCT_NAMES = (
  'Unknown Import0 Linker510 Cvtomf510 Linker600 Cvtomf600 Cvtres500 Utc11_Basic Utc11_C Utc12_Basic Utc12_C ' +
  'Utc12_CPP AliasObj60 VisualBasic60 Masm613 Masm710 Linker511 Cvtomf511 Masm614 Linker512 Cvtomf512 Utc12_C_Std ' +
  'Utc12_CPP_Std Utc12_C_Book Utc12_CPP_Book Implib700 Cvtomf700 Utc13_Basic Utc13_C Utc13_CPP Linker610 Cvtomf610 ' +
  'Linker601 Cvtomf601 Utc12_1_Basic Utc12_1_C Utc12_1_CPP Linker620 Cvtomf620 AliasObj70 Linker621 Cvtomf621 ' +
  'Masm615 Utc13_LTCG_C Utc13_LTCG_CPP Masm620 ILAsm100 Utc12_2_Basic Utc12_2_C Utc12_2_CPP Utc12_2_C_Std ' +
  'Utc12_2_CPP_Std Utc12_2_C_Book Utc12_2_CPP_Book Implib622 Cvtomf622 Cvtres501 Utc13_C_Std Utc13_CPP_Std ' +
  'Cvtpgd1300 Linker622 Linker700 Export622 Export700 Masm700 Utc13_POGO_I_C Utc13_POGO_I_CPP Utc13_POGO_O_C ' +
  'Utc13_POGO_O_CPP Cvtres700 Cvtres710p Linker710p Cvtomf710p Export710p Implib710p Masm710p Utc1310p_C ' +
  'Utc1310p_CPP Utc1310p_C_Std Utc1310p_CPP_Std Utc1310p_LTCG_C Utc1310p_LTCG_CPP Utc1310p_POGO_I_C ' +
  'Utc1310p_POGO_I_CPP Utc1310p_POGO_O_C Utc1310p_POGO_O_CPP Linker624 Cvtomf624 Export624 Implib624 Linker710 ' +
  'Cvtomf710 Export710 Implib710 Cvtres710 Utc1310_C Utc1310_CPP Utc1310_C_Std Utc1310_CPP_Std Utc1310_LTCG_C ' +
  'Utc1310_LTCG_CPP Utc1310_POGO_I_C Utc1310_POGO_I_CPP Utc1310_POGO_O_C Utc1310_POGO_O_CPP AliasObj710 ' +
  'AliasObj710p Cvtpgd1310 Cvtpgd1310p Utc1400_C Utc1400_CPP Utc1400_C_Std Utc1400_CPP_Std Utc1400_LTCG_C ' +
  'Utc1400_LTCG_CPP Utc1400_POGO_I_C Utc1400_POGO_I_CPP Utc1400_POGO_O_C Utc1400_POGO_O_CPP Cvtpgd1400 Linker800 ' +
  'Cvtomf800 Export800 Implib800 Cvtres800 Masm800 AliasObj800 PhoenixPrerelease Utc1400_CVTCIL_C ' +
  'Utc1400_CVTCIL_CPP Utc1400_LTCG_MSIL Utc1500_C Utc1500_CPP Utc1500_C_Std Utc1500_CPP_Std Utc1500_CVTCIL_C ' +
  'Utc1500_CVTCIL_CPP Utc1500_LTCG_C Utc1500_LTCG_CPP Utc1500_LTCG_MSIL Utc1500_POGO_I_C Utc1500_POGO_I_CPP ' +
  'Utc1500_POGO_O_C Utc1500_POGO_O_CPP Cvtpgd1500 Linker900 Export900 Implib900 Cvtres900 Masm900 AliasObj900 ' +
  'Resource AliasObj1000 Cvtpgd1600 Cvtres1000 Export1000 Implib1000 Linker1000 Masm1000 Phx1600_C Phx1600_CPP ' +
  'Phx1600_CVTCIL_C Phx1600_CVTCIL_CPP Phx1600_LTCG_C Phx1600_LTCG_CPP Phx1600_LTCG_MSIL Phx1600_POGO_I_C ' +
  'Phx1600_POGO_I_CPP Phx1600_POGO_O_C Phx1600_POGO_O_CPP Utc1600_C Utc1600_CPP Utc1600_CVTCIL_C ' +
  'Utc1600_CVTCIL_CPP Utc1600_LTCG_C Utc1600_LTCG_CPP Utc1600_LTCG_MSIL Utc1600_POGO_I_C Utc1600_POGO_I_CPP ' +
  'Utc1600_POGO_O_C Utc1600_POGO_O_CPP AliasObj1010 Cvtpgd1610 Cvtres1010 Export1010 Implib1010 Linker1010 ' +
  'Masm1010 Utc1610_C Utc1610_CPP Utc1610_CVTCIL_C Utc1610_CVTCIL_CPP Utc1610_LTCG_C Utc1610_LTCG_CPP ' +
  'Utc1610_LTCG_MSIL Utc1610_POGO_I_C Utc1610_POGO_I_CPP Utc1610_POGO_O_C Utc1610_POGO_O_CPP AliasObj1100 ' +
  'Cvtpgd1700 Cvtres1100 Export1100 Implib1100 Linker1100 Masm1100 Utc1700_C Utc1700_CPP Utc1700_CVTCIL_C ' +
  'Utc1700_CVTCIL_CPP Utc1700_LTCG_C Utc1700_LTCG_CPP Utc1700_LTCG_MSIL Utc1700_POGO_I_C Utc1700_POGO_I_CPP ' +
  'Utc1700_POGO_O_C Utc1700_POGO_O_CPP AliasObj1200 Cvtpgd1800 Cvtres1200 Export1200 Implib1200 Linker1200 ' +
  'Masm1200 Utc1800_C Utc1800_CPP Utc1800_CVTCIL_C Utc1800_CVTCIL_CPP Utc1800_LTCG_C Utc1800_LTCG_CPP ' +
  'Utc1800_LTCG_MSIL Utc1800_POGO_I_C Utc1800_POGO_I_CPP Utc1800_POGO_O_C Utc1800_POGO_O_CPP AliasObj1210 ' +
  'Cvtpgd1810 Cvtres1210 Export1210 Implib1210 Linker1210 Masm1210 Utc1810_C Utc1810_CPP Utc1810_CVTCIL_C ' +
  'Utc1810_CVTCIL_CPP Utc1810_LTCG_C Utc1810_LTCG_CPP Utc1810_LTCG_MSIL Utc1810_POGO_I_C Utc1810_POGO_I_CPP ' +
  'Utc1810_POGO_O_C Utc1810_POGO_O_CPP AliasObj1400 Cvtpgd1900 Cvtres1400 Export1400 Implib1400 Linker1400 ' +
  'Masm1400 Utc1900_C Utc1900_CPP Utc1900_CVTCIL_C Utc1900_CVTCIL_CPP Utc1900_LTCG_C Utc1900_LTCG_CPP ' +
  'Utc1900_LTCG_MSIL Utc1900_POGO_I_C Utc1900_POGO_I_CPP Utc1900_POGO_O_C Utc1900_POGO_O_CPP ' +
  ''
)
  .trim()
  .split(' ');

export const richProductName = (id: number): string | undefined => PRODUCT_NAMES[id];

export interface RichEntry {
  productId: number;
  product?: string;
  build: number;
  count: number;
}

export interface RichHeader {
  /** File offset of the DanS marker. */
  offset: number;
  key: string;
  entries: RichEntry[];
  checksumValid: boolean;
  /** The checksum computed from the DOS header and the entries. */
  computedChecksum: string;
  /** MD5 of the decoded header (DanS up to the Rich marker): clusters files built by the same toolchain setup. */
  richHash: string;
  valid: boolean;
  problems: string[];
}

const DANS = 0x536e6144;
const RICH = 0x68636952;
const MAX_ENTRIES = 512;

const rol = (value: number, shift: number) => {
  const s = shift & 31;
  return s ? ((value << s) | (value >>> (32 - s))) >>> 0 : value >>> 0;
};

export function parseRichHeader(pe: PeFile): RichHeader | undefined {
  const { r } = pe;
  const limit = Math.min(pe.peOffset > 0 ? pe.peOffset : 0x400, 0x1000, r.length);
  let richAt = -1;
  for (let at = 0x40; at + 8 <= limit; at += 4) {
    if (r.u32(at) === RICH) {
      richAt = at;
      break;
    }
  }
  if (richAt < 0) return undefined;
  const key = r.u32(richAt + 4);
  let dansAt = -1;
  for (let at = richAt - 4; at >= 0; at -= 4) {
    if ((r.u32(at) ^ key) >>> 0 === DANS) {
      dansAt = at;
      break;
    }
  }
  if (dansAt < 0) {
    return { offset: richAt, key: hex(key, 8), entries: [], checksumValid: false, computedChecksum: '', richHash: '', valid: false, problems: ['Rich marker without a DanS start marker'] };
  }
  const problems: string[] = [];
  if ([1, 2, 3].some((k) => r.u32(dansAt + 4 * k) !== key)) problems.push('the padding after DanS is not zero');
  const entries: RichEntry[] = [];
  const raw: [number, number][] = [];
  for (let at = dansAt + 16; at + 8 <= richAt && raw.length < MAX_ENTRIES; at += 8) {
    const compId = (r.u32(at) ^ key) >>> 0;
    const count = (r.u32(at + 4) ^ key) >>> 0;
    raw.push([compId, count]);
    const productId = compId >>> 16;
    const product = PRODUCT_NAMES[productId];
    entries.push({ productId, ...(product ? { product } : {}), build: compId & 0xffff, count });
  }
  // The start offset, every DOS header byte before DanS rotated left by its offset (e_lfanew excluded), every comp.id rotated by its count.
  let checksum = dansAt >>> 0;
  for (let i = 0; i < dansAt; i++) {
    if (i >= 0x3c && i < 0x40) continue;
    checksum = (checksum + rol(r.u8(i), i)) >>> 0;
  }
  for (const [compId, count] of raw) checksum = (checksum + rol(compId, count)) >>> 0;
  const checksumValid = checksum === key;
  if (!checksumValid) problems.push(`checksum ${hex(checksum, 8)} computed from the DOS header and the entries does not match the key ${hex(key, 8)}`);

  const linker = entries.find((e) => /^Linker\d+p?$/.test(e.product ?? ''));
  const linkerMajor = pe.optional?.majorLinkerVersion;
  if (linker?.product && linkerMajor) {
    const claimed = Number(linker.product.replace(/\D/g, '').slice(0, -2));
    if (claimed && claimed !== linkerMajor) problems.push(`the Rich header names ${linker.product} but the optional header says linker ${linkerMajor}.${pe.optional?.minorLinkerVersion}`);
  }

  const decoded = Buffer.alloc(richAt - dansAt);
  for (let at = dansAt; at < richAt; at += 4) decoded.writeUInt32LE((r.u32(at) ^ key) >>> 0, at - dansAt);
  return {
    offset: dansAt,
    key: hex(key, 8),
    entries,
    checksumValid,
    computedChecksum: hex(checksum, 8),
    richHash: createHash('md5').update(decoded).digest('hex'),
    valid: problems.length === 0,
    problems,
  };
}
