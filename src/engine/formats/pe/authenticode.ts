import { createHash, verify as verifySignature, X509Certificate } from 'node:crypto';
import { rootCertificates } from 'node:tls';
import { children, content, ctx, DerError, encoded, expect, integerHex, oid, readTlv, TAG, time, Tlv } from './der';
import { DIR, PeFile } from './pe-file';
import { hex } from './reader';

/**
 * Authenticode: the authentihash of the image, and the signature(s) in the certificate table.
 *
 * Authentihash — the digest Authenticode signs: the file hashed linearly without the optional
 * header's CheckSum field, without the security directory entry and without the certificate table
 * (and anything after it), as osslsigncode and signtool compute it for files whose sections lie in
 * file order (every linker's output). `authentihash` is its SHA-256; a signature made with another
 * algorithm is checked against the same bytes hashed with that algorithm.
 *
 * A signature is read from each WIN_CERTIFICATE of type PKCS_SIGNED_DATA (and from nested
 * signatures, 1.3.6.1.4.1.311.2.4.1): the SpcIndirectDataContent's digest, the signer
 * (issuer and serial → certificate), its authenticated attributes (message digest, signing time,
 * program name), counter-signatures and RFC 3161 time stamps, and every certificate. Checks:
 *
 * - `digestMatches`: the signed digest equals the file's — false means the file changed after
 *   signing (tampered, patched, or a signature transplanted from another file);
 * - `messageDigestMatches`: the authenticated attributes cover this SpcIndirectDataContent;
 * - `signatureVerified`: the signer certificate's key verifies the signature over the attributes
 *   (RSA PKCS#1 v1.5 and ECDSA; null when the algorithm is not supported or the certificate missing);
 * - the chain from the signer through the included certificates, whether it ends self-signed, and
 *   whether its root (or the issuer of its top certificate) is one of Node's bundled (Mozilla) roots.
 *
 * `valid` = the three checks pass. There is no Windows root store here: `valid` says the signature
 * is intact and made by the key of the certificate it names, not that the publisher is trusted.
 */

const OID = {
  signedData: '1.2.840.113549.1.7.2',
  spcIndirectData: '1.3.6.1.4.1.311.2.1.4',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingTime: '1.2.840.113549.1.9.5',
  counterSignature: '1.2.840.113549.1.9.6',
  spcOpusInfo: '1.3.6.1.4.1.311.2.1.12',
  rfc3161: '1.3.6.1.4.1.311.3.3.1',
  nestedSignature: '1.3.6.1.4.1.311.2.4.1',
  tstInfo: '1.2.840.113549.1.9.16.1.4',
};

const DIGESTS: Record<string, string> = {
  '1.2.840.113549.2.5': 'md5',
  '1.3.14.3.2.26': 'sha1',
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
  // Signature algorithm OIDs sometimes (wrongly) given as digest algorithms.
  '1.2.840.113549.1.1.5': 'sha1',
  '1.2.840.113549.1.1.11': 'sha256',
  '1.2.840.113549.1.1.12': 'sha384',
  '1.2.840.113549.1.1.13': 'sha512',
};

/** Signature algorithms crypto.verify handles with a digest name (PKCS#1 v1.5 RSA, ECDSA). */
const SIGNATURE_ALGORITHMS: Record<string, string | null> = {
  '1.2.840.113549.1.1.1': null, // rsaEncryption: the digest is the signer's digestAlgorithm
  '1.2.840.113549.1.1.4': 'md5',
  '1.2.840.113549.1.1.5': 'sha1',
  '1.2.840.113549.1.1.11': 'sha256',
  '1.2.840.113549.1.1.12': 'sha384',
  '1.2.840.113549.1.1.13': 'sha512',
  '1.2.840.10045.2.1': null, // ecPublicKey
  '1.2.840.10045.4.1': 'sha1',
  '1.2.840.10045.4.3.2': 'sha256',
  '1.2.840.10045.4.3.3': 'sha384',
  '1.2.840.10045.4.3.4': 'sha512',
};

const MAX_TABLE_ENTRIES = 8;
const MAX_CERTIFICATES = 64;
const MAX_NESTED = 4;

export interface CertificateFact {
  subject: string;
  issuer: string;
  serialNumber: string;
  notBefore: string;
  notAfter: string;
  sha1: string;
  sha256: string;
  selfSigned: boolean;
}

export interface SignatureFact {
  digestAlgorithm: string;
  signedDigest: string;
  computedDigest: string | null;
  digestMatches: boolean;
  messageDigestMatches: boolean | null;
  signatureVerified: boolean | null;
  valid: boolean;
  signer?: CertificateFact;
  signerSerialNumber: string;
  signingTime?: string;
  timestamp?: { time: string | null; kind: 'rfc3161' | 'countersignature'; authority?: string };
  programName?: string;
  moreInfo?: string;
  /** Subjects from the signer up to the last certificate found in the signature. */
  chain: string[];
  selfSigned: boolean;
  /** The Mozilla-store root (Node's bundled roots) the chain ends in or is issued by, if any. */
  knownRoot?: string;
  certificates: CertificateFact[];
  problems: string[];
}

export interface AuthenticodeFacts {
  signed: boolean;
  certificateTable?: { offset: number; size: number };
  signatures: SignatureFact[];
  /** Bytes after the certificate table (not covered by the signature) and non-zero padding inside it. */
  unsignedData?: { afterTable: number; insideTable: number };
  problems: string[];
}

/** The authentihash (hex) of the image with `algorithm`, hashing up to `end` (the certificate table's offset, or the file's end). */
export function authentihash(pe: PeFile, algorithm = 'sha256', end = pe.data.length): string | null {
  if (!pe.optional || pe.checksumOffset < 0) return null;
  const { data } = pe;
  const hash = createHash(algorithm);
  const ranges: [number, number][] = [];
  const cut = [pe.checksumOffset, pe.checksumOffset + 4];
  if (pe.securityEntryOffset >= 0) {
    ranges.push([0, cut[0]], [cut[1], pe.securityEntryOffset], [pe.securityEntryOffset + 8, end]);
  } else {
    ranges.push([0, cut[0]], [cut[1], end]);
  }
  for (const [from, to] of ranges) {
    const a = Math.max(0, Math.min(from, data.length));
    const b = Math.max(a, Math.min(to, data.length));
    if (b > a) hash.update(data.subarray(a, b));
  }
  return hash.digest('hex');
}

/** Where the certificate table is (the security directory holds a file offset, not an RVA), when it lies inside the file. */
export function certificateTable(pe: PeFile): { offset: number; size: number } | undefined {
  const dir = pe.directories[DIR.security];
  if (!dir || !dir.rva || !dir.size) return undefined;
  if (dir.rva >= pe.data.length) return undefined;
  return { offset: dir.rva, size: Math.min(dir.size, pe.data.length - dir.rva) };
}

export function parseAuthenticode(pe: PeFile): AuthenticodeFacts {
  const dir = pe.directories[DIR.security];
  const table = certificateTable(pe);
  const facts: AuthenticodeFacts = { signed: false, signatures: [], problems: [] };
  if (!dir || !dir.rva || !dir.size) return facts;
  if (!table) {
    facts.problems.push(`the security directory points outside the file (offset ${hex(dir.rva)}, ${dir.size} bytes)`);
    return facts;
  }
  facts.certificateTable = table;
  if (dir.size > table.size) facts.problems.push(`the certificate table is truncated: ${dir.size} bytes declared, ${table.size} in the file`);
  const digestCache = new Map<string, string | null>();
  const fileDigest = (algorithm: string) => {
    if (!digestCache.has(algorithm)) digestCache.set(algorithm, authentihash(pe, algorithm, table.offset));
    return digestCache.get(algorithm)!;
  };

  let insideTable = 0;
  let at = table.offset;
  const end = table.offset + table.size;
  for (let n = 0; n < MAX_TABLE_ENTRIES && at + 8 <= end; n++) {
    const length = pe.r.u32(at);
    const revision = pe.r.u16(at + 4);
    const type = pe.r.u16(at + 6);
    if (length < 8 || at + length > end) {
      facts.problems.push(`WIN_CERTIFICATE at ${hex(at)} has a bad length (${length})`);
      break;
    }
    if (type === 2) {
      const blob = pe.data.subarray(at + 8, at + length);
      try {
        const outer = readTlv(blob, 0);
        const padding = blob.subarray(outer.end);
        if (padding.length > 7 || padding.some((b) => b !== 0)) insideTable += padding.length;
        facts.signatures.push(...readSignatures(outer, fileDigest, 0));
      } catch (err) {
        facts.problems.push(`signature at ${hex(at)} could not be read: ${err instanceof Error ? err.message : String(err)}`);
      }
    } else {
      facts.problems.push(`WIN_CERTIFICATE at ${hex(at)} of type ${type} (revision ${hex(revision)}) is not a PKCS#7 signature`);
    }
    at += (length + 7) & ~7;
  }
  if (at < end) {
    const rest = pe.data.subarray(Math.min(at, end), end);
    if (rest.some((b) => b !== 0)) insideTable += rest.length;
  }
  const afterTable = pe.data.length - (table.offset + table.size);
  if (afterTable > 0 || insideTable > 0) facts.unsignedData = { afterTable: Math.max(0, afterTable), insideTable };
  facts.signed = facts.signatures.length > 0;
  if (!facts.signed && !facts.problems.length) facts.problems.push('certificate table without a readable signature');
  return facts;
}

/** The signature of one ContentInfo and its nested signatures. */
function readSignatures(contentInfo: Tlv, fileDigest: (algorithm: string) => string | null, depth: number): SignatureFact[] {
  const [typeTlv, explicit] = children(expect(contentInfo, TAG.SEQUENCE, 'ContentInfo'));
  if (oid(typeTlv) !== OID.signedData) throw new DerError('not a PKCS#7 signedData');
  const signedData = children(expect(explicit, ctx(0), 'signedData content'))[0];
  const parts = children(expect(signedData, TAG.SEQUENCE, 'SignedData'));
  // version, digestAlgorithms, contentInfo, [0] certificates, [1] crls, signerInfos
  const encapsulated = children(expect(parts[2], TAG.SEQUENCE, 'contentInfo'));
  if (oid(encapsulated[0]) !== OID.spcIndirectData) throw new DerError('content is not SpcIndirectDataContent');
  const spc = children(expect(encapsulated[1], ctx(0), 'SpcIndirectDataContent'))[0];
  const digestInfo = children(expect(children(expect(spc, TAG.SEQUENCE, 'SpcIndirectDataContent'))[1], TAG.SEQUENCE, 'DigestInfo'));
  const digestOid = oid(children(expect(digestInfo[0], TAG.SEQUENCE, 'AlgorithmIdentifier'))[0]);
  const digestAlgorithm = DIGESTS[digestOid] ?? digestOid;
  const signedDigest = Buffer.from(content(expect(digestInfo[1], TAG.OCTET_STRING, 'digest'))).toString('hex');

  const certificates: { der: Uint8Array; x509: X509Certificate | null; issuerDer: string; serial: string }[] = [];
  let index = 3;
  if (parts[index]?.tag === ctx(0)) {
    for (const c of children(parts[index]).slice(0, MAX_CERTIFICATES)) {
      if (c.tag !== TAG.SEQUENCE) continue; // attribute certificates and other choices
      certificates.push(certificateIds(c));
    }
    index++;
  }
  if (parts[index]?.tag === ctx(1)) index++;
  const signerInfos = children(expect(parts[index], TAG.SET, 'signerInfos'));
  if (!signerInfos.length) throw new DerError('no signer');
  const signer = children(expect(signerInfos[0], TAG.SEQUENCE, 'SignerInfo'));

  const problems: string[] = [];
  const [issuerTlv, serialTlv] = children(expect(signer[1], TAG.SEQUENCE, 'issuerAndSerialNumber'));
  const signerSerial = integerHex(serialTlv);
  const issuerDer = Buffer.from(encoded(issuerTlv)).toString('hex');
  const signerCert = certificates.find((c) => c.serial === signerSerial && c.issuerDer === issuerDer) ?? certificates.find((c) => c.serial === signerSerial);
  const signerDigest = DIGESTS[oid(children(expect(signer[2], TAG.SEQUENCE, 'digestAlgorithm'))[0])] ?? digestAlgorithm;

  let k = 3;
  let authenticated: Tlv | undefined;
  if (signer[k]?.tag === ctx(0)) authenticated = signer[k++];
  const signatureAlgorithm = oid(children(expect(signer[k++], TAG.SEQUENCE, 'digestEncryptionAlgorithm'))[0]);
  const encryptedDigest = content(expect(signer[k++], TAG.OCTET_STRING, 'encryptedDigest'));
  const unauthenticated = signer[k]?.tag === ctx(1) ? signer[k] : undefined;

  // Authenticated attributes.
  let messageDigest: string | undefined;
  let signingTime: string | undefined;
  let programName: string | undefined;
  let moreInfo: string | undefined;
  for (const attribute of authenticated ? children(authenticated) : []) {
    const [typeOid, values] = children(expect(attribute, TAG.SEQUENCE, 'attribute'));
    const type = oid(typeOid);
    const value = children(expect(values, TAG.SET, 'attribute values'))[0];
    if (!value) continue;
    if (type === OID.messageDigest) messageDigest = Buffer.from(content(value)).toString('hex');
    else if (type === OID.signingTime) signingTime = time(value) ?? undefined;
    else if (type === OID.spcOpusInfo && value.tag === TAG.SEQUENCE) {
      for (const field of children(value)) {
        const inner = children(field)[0];
        if (!inner) continue;
        const raw = Buffer.from(content(inner));
        // [0] SpcString: [0] BMPString (UTF-16BE) or [1] IA5String; [1] SpcLink: [0] URL.
        const str = inner.tag === 0x80 && field.tag === ctx(0) ? Buffer.from(raw).swap16().toString('utf16le') : raw.toString('latin1');
        if (field.tag === ctx(0)) programName = str.slice(0, 256);
        if (field.tag === ctx(1) && inner.tag === 0x80) moreInfo = str.slice(0, 512);
      }
    }
  }
  const messageDigestMatches = messageDigest === undefined ? null : messageDigest === createHash(signerDigest).update(content(spc)).digest('hex');
  if (messageDigestMatches === false) problems.push('the signed attributes do not cover this SpcIndirectDataContent (message digest mismatch)');

  // The signature over the attributes (re-tagged as SET OF), or over the content when there are none.
  let signatureVerified: boolean | null = null;
  const x509 = signerCert?.x509 ?? null;
  if (!signerCert) problems.push(`the signer certificate (serial ${signerSerial}) is not in the signature`);
  else if (!x509) problems.push('the signer certificate could not be parsed');
  else if (!(signatureAlgorithm in SIGNATURE_ALGORITHMS)) problems.push(`signature algorithm ${signatureAlgorithm} is not checked`);
  else {
    const signed = authenticated ? Buffer.from(encoded(authenticated)) : Buffer.from(content(spc));
    if (authenticated) signed[0] = TAG.SET;
    try {
      signatureVerified = verifySignature(SIGNATURE_ALGORITHMS[signatureAlgorithm] ?? signerDigest, signed, x509.publicKey, encryptedDigest);
    } catch (err) {
      problems.push(`the signature could not be checked: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (signatureVerified === false) problems.push('the signature does not verify with the signer certificate');
  }

  const computedDigest = fileDigest(digestAlgorithm);
  const digestMatches = computedDigest !== null && computedDigest === signedDigest;
  if (!digestMatches) problems.push(`the file's ${digestAlgorithm} authentihash ${computedDigest ?? '(not computable)'} differs from the signed one ${signedDigest}: the file was changed after signing`);

  // Unauthenticated attributes: time stamps and nested signatures.
  let timestamp: SignatureFact['timestamp'];
  const nested: SignatureFact[] = [];
  for (const attribute of unauthenticated ? children(unauthenticated) : []) {
    const [typeOid, values] = children(expect(attribute, TAG.SEQUENCE, 'attribute'));
    const type = oid(typeOid);
    try {
      if (type === OID.counterSignature) {
        timestamp = counterSignature(children(values)[0], certificates);
      } else if (type === OID.rfc3161) {
        timestamp = rfc3161(children(values)[0]);
      } else if (type === OID.nestedSignature && depth === 0) {
        for (const info of children(values).slice(0, MAX_NESTED)) nested.push(...readSignatures(info, fileDigest, depth + 1));
      }
    } catch (err) {
      problems.push(`unauthenticated attribute ${type} unreadable: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  const certFacts = certificates.map((c) => certificateFact(c.x509, c.serial));
  const { chain, selfSigned, knownRoot } = buildChain(x509, certificates.map((c) => c.x509).filter((c): c is X509Certificate => c !== null));
  const valid = digestMatches && messageDigestMatches !== false && signatureVerified === true;
  const fact: SignatureFact = {
    digestAlgorithm,
    signedDigest,
    computedDigest,
    digestMatches,
    messageDigestMatches,
    signatureVerified,
    valid,
    ...(signerCert ? { signer: certificateFact(x509, signerCert.serial) } : {}),
    signerSerialNumber: signerSerial,
    ...(signingTime ? { signingTime } : {}),
    ...(timestamp ? { timestamp } : {}),
    ...(programName ? { programName } : {}),
    ...(moreInfo ? { moreInfo } : {}),
    chain,
    selfSigned,
    ...(knownRoot ? { knownRoot } : {}),
    certificates: certFacts,
    problems,
  };
  return [fact, ...nested];
}

/** A certificate's issuer (DER, hex) and serial read from its TBSCertificate, and the parsed certificate. */
function certificateIds(c: Tlv): { der: Uint8Array; x509: X509Certificate | null; issuerDer: string; serial: string } {
  const der = encoded(c);
  let issuerDer = '';
  let serial = '';
  try {
    const tbs = children(children(c)[0]);
    const i = tbs[0]?.tag === ctx(0) ? 1 : 0; // [0] version
    serial = integerHex(tbs[i]);
    issuerDer = Buffer.from(encoded(tbs[i + 2])).toString('hex');
  } catch {
    // left empty: the certificate is then matched by nothing
  }
  let x509: X509Certificate | null = null;
  try {
    x509 = new X509Certificate(der);
  } catch {
    x509 = null;
  }
  return { der, x509, issuerDer, serial };
}

const dn = (s: string) => s.split('\n').join(', ');

function certificateFact(x509: X509Certificate | null, serial: string): CertificateFact {
  if (!x509) return { subject: '(unparsable certificate)', issuer: '', serialNumber: serial, notBefore: '', notAfter: '', sha1: '', sha256: '', selfSigned: false };
  return {
    subject: dn(x509.subject),
    issuer: dn(x509.issuer),
    serialNumber: x509.serialNumber.toLowerCase(),
    notBefore: isoDate(x509.validFrom),
    notAfter: isoDate(x509.validTo),
    sha1: x509.fingerprint.replace(/:/g, '').toLowerCase(),
    sha256: x509.fingerprint256.replace(/:/g, '').toLowerCase(),
    selfSigned: isSelfSigned(x509),
  };
}

const isoDate = (s: string) => {
  const d = new Date(s);
  return Number.isNaN(d.getTime()) ? s : d.toISOString();
};

function isSelfSigned(c: X509Certificate): boolean {
  try {
    return c.checkIssued(c) && c.verify(c.publicKey);
  } catch {
    return false;
  }
}

let roots: X509Certificate[] | undefined;
function mozillaRoots(): X509Certificate[] {
  if (!roots) {
    roots = [];
    for (const pem of rootCertificates) {
      try {
        roots.push(new X509Certificate(pem));
      } catch {
        // skip
      }
    }
  }
  return roots;
}

function issuedBy(child: X509Certificate, parent: X509Certificate): boolean {
  try {
    return child.checkIssued(parent) && child.verify(parent.publicKey);
  } catch {
    return false;
  }
}

function buildChain(signer: X509Certificate | null, pool: X509Certificate[]): { chain: string[]; selfSigned: boolean; knownRoot?: string } {
  if (!signer) return { chain: [], selfSigned: false };
  const chain = [signer];
  let top = signer;
  for (let i = 0; i < 10; i++) {
    if (isSelfSigned(top)) break;
    const parent = pool.find((c) => !chain.includes(c) && issuedBy(top, c));
    if (!parent) break;
    chain.push(parent);
    top = parent;
  }
  const selfSigned = chain.length === 1 && isSelfSigned(signer);
  const topFingerprint = top.fingerprint256;
  const root = mozillaRoots().find((r) => r.fingerprint256 === topFingerprint) ?? (isSelfSigned(top) ? undefined : mozillaRoots().find((r) => issuedBy(top, r)));
  return { chain: chain.map((c) => dn(c.subject)), selfSigned, ...(root && !selfSigned ? { knownRoot: dn(root.subject) } : {}) };
}

/** A PKCS#9 counter-signature (a SignerInfo): its signing time, and the certificate that made it. */
function counterSignature(info: Tlv | undefined, certificates: { x509: X509Certificate | null; serial: string }[]): SignatureFact['timestamp'] {
  const parts = children(expect(info, TAG.SEQUENCE, 'counter-signature'));
  const serial = integerHex(children(parts[1])[1]);
  let when: string | null = null;
  const authenticated = parts.find((p) => p.tag === ctx(0));
  for (const attribute of authenticated ? children(authenticated) : []) {
    const [typeOid, values] = children(attribute);
    if (oid(typeOid) === OID.signingTime) when = time(children(values)[0]);
  }
  const tsa = certificates.find((c) => c.serial === serial)?.x509;
  return { time: when, kind: 'countersignature', ...(tsa ? { authority: dn(tsa.subject) } : {}) };
}

/** An RFC 3161 time-stamp token (a signedData over a TSTInfo): genTime and the time-stamping authority. */
function rfc3161(token: Tlv | undefined): SignatureFact['timestamp'] {
  const [typeTlv, explicit] = children(expect(token, TAG.SEQUENCE, 'time-stamp token'));
  if (oid(typeTlv) !== OID.signedData) throw new DerError('time-stamp token is not signedData');
  const parts = children(children(explicit)[0]);
  const encapsulated = children(parts[2]);
  let when: string | null = null;
  if (oid(encapsulated[0]) === OID.tstInfo && encapsulated[1]) {
    const octets = children(encapsulated[1])[0];
    const tstInfo = readTlv(content(octets), 0);
    const fields = children(tstInfo);
    const genTime = fields.find((f) => f.tag === TAG.GeneralizedTime);
    if (genTime) when = time(genTime);
  }
  let authority: string | undefined;
  if (parts[3]?.tag === ctx(0)) {
    const signerInfos = parts.find((p, i) => i > 3 && p.tag === TAG.SET);
    const serial = signerInfos ? integerHex(children(children(children(signerInfos)[0])[1])[1]) : '';
    for (const c of children(parts[3])) {
      if (c.tag !== TAG.SEQUENCE) continue;
      const ids = certificateIds(c);
      if (ids.x509 && (ids.serial === serial || !serial)) {
        authority = dn(ids.x509.subject);
        break;
      }
    }
  }
  return { time: when, kind: 'rfc3161', ...(authority ? { authority } : {}) };
}
