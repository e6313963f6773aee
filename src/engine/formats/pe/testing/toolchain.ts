import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Test-time builders for PE files (nothing binary is committed): C sources compiled with mingw-w64,
 * import libraries made with dlltool from .def files (imports by ordinal, delay-load), C# compiled to
 * .NET assemblies with Mono's mcs, resources
 * compiled with windres, Authenticode signatures made with osslsigncode under a certificate that
 * openssl generates for the run. Reference values come from Debian's python3-pefile and yara.
 *
 * Debian packages: gcc-mingw-w64-x86-64 (with binutils-mingw-w64-x86-64), osslsigncode, openssl,
 * python3-pefile, yara, mono-mcs. `missing()` names the absent tools so that a test can skip with a reason.
 */
export const TOOLS = {
  gcc: '/usr/bin/x86_64-w64-mingw32-gcc',
  dlltool: '/usr/bin/x86_64-w64-mingw32-dlltool',
  nm: '/usr/bin/x86_64-w64-mingw32-nm',
  windres: '/usr/bin/x86_64-w64-mingw32-windres',
  osslsigncode: '/usr/bin/osslsigncode',
  openssl: '/usr/bin/openssl',
  python: '/usr/bin/python3',
  /** Mono's C# compiler (Debian package mono-mcs), for .NET assemblies. */
  mcs: '/usr/bin/mcs',
  yara: '/usr/bin/yara',
};

export function missing(...tools: (keyof typeof TOOLS)[]): string[] {
  const absent = tools.filter((t) => !existsSync(TOOLS[t]));
  if (tools.includes('python') && !absent.includes('python')) {
    const probe = spawnSync(TOOLS.python, ['-c', 'import pefile'], { encoding: 'utf8' });
    if (probe.status !== 0) absent.push('python');
  }
  return absent;
}

export class PeWorkshop {
  readonly dir = mkdtempSync(join(tmpdir(), 'pe-test-'));

  path(name: string): string {
    return join(this.dir, name);
  }

  write(name: string, content: string | Uint8Array): string {
    const path = this.path(name);
    writeFileSync(path, content);
    return path;
  }

  read(name: string): Uint8Array {
    return new Uint8Array(readFileSync(this.path(name)));
  }

  /** Compiles `source` (C) to `name`; `args` are extra gcc arguments (-l libraries, -shared, objects). Stripped unless `strip` is false. */
  compile(name: string, source: string, args: string[] = [], strip = true): Uint8Array {
    const src = this.write(`${name}.c`, source);
    execFileSync(TOOLS.gcc, ['-O1', ...(strip ? ['-s'] : []), '-o', this.path(name), src, ...args], { cwd: this.dir, stdio: 'pipe' });
    return this.read(name);
  }

  /** Compiles C# `source` to the .NET assembly `name` with Mono's mcs; `args` are extra mcs arguments (-resource:..., -target:library). */
  compileCs(name: string, source: string, args: string[] = []): Uint8Array {
    const src = this.write(`${name}.cs`, source);
    execFileSync(TOOLS.mcs, [`-out:${this.path(name)}`, ...args, src], { cwd: this.dir, stdio: 'pipe' });
    return this.read(name);
  }

  /** The address of a symbol of an unstripped image (x86_64-w64-mingw32-nm), or undefined. */
  symbol(name: string, pattern: RegExp): bigint | undefined {
    const out = execFileSync(TOOLS.nm, [this.path(name)], { encoding: 'utf8' });
    const line = out.split('\n').find((l) => pattern.test(l));
    return line ? BigInt(`0x${line.split(' ')[0]}`) : undefined;
  }

  /** pefile's delay-load imports: [dll, [function names]]. */
  pefileDelayImports(path: string): [string, string[]][] {
    const script = 'import pefile,sys,json\npe=pefile.PE(sys.argv[1])\nprint(json.dumps([[e.dll.decode(),[i.name.decode() for i in e.imports if i.name]] for e in getattr(pe,"DIRECTORY_ENTRY_DELAY_IMPORT",[])]))';
    return JSON.parse(execFileSync(TOOLS.python, ['-c', script, path], { encoding: 'utf8' })) as [string, string[]][];
  }

  /** An import library from a .def file (`delay` makes a delay-load library). */
  importLibrary(name: string, def: string, delay = false): string {
    const defPath = this.write(`${name}.def`, def);
    const lib = this.path(`lib${name}.a`);
    execFileSync(TOOLS.dlltool, ['-d', defPath, delay ? '-y' : '-l', lib], { cwd: this.dir, stdio: 'pipe' });
    return lib;
  }

  /** A resource object from a .rc script (files it names are resolved in the workshop). */
  resources(name: string, rc: string): string {
    const rcPath = this.write(`${name}.rc`, rc);
    const obj = this.path(`${name}.res.o`);
    execFileSync(TOOLS.windres, [rcPath, '-O', 'coff', '-o', obj], { cwd: this.dir, stdio: 'pipe' });
    return obj;
  }

  /** A self-signed code-signing certificate, or a CA and a leaf it issued (`chain`). Returns the PEM paths. */
  certificate(subject: string, chain = false): { cert: string; key: string; chainFile?: string } {
    const key = this.path('signer.key');
    const cert = this.path('signer.pem');
    const ossl = (...a: string[]) => execFileSync(TOOLS.openssl, a, { cwd: this.dir, stdio: 'pipe' });
    if (!chain) {
      ossl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '30', '-subj', subject, '-addext', 'extendedKeyUsage=codeSigning');
      return { cert, key };
    }
    const caKey = this.path('ca.key');
    const caCert = this.path('ca.pem');
    ossl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', caKey, '-out', caCert, '-days', '30', '-subj', '/CN=Sandbox Test Root CA/O=Example Trust', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign');
    const csr = this.path('signer.csr');
    ossl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', csr, '-subj', subject);
    const ext = this.write('leaf.ext', 'extendedKeyUsage=codeSigning\nbasicConstraints=CA:FALSE\n');
    ossl('x509', '-req', '-in', csr, '-CA', caCert, '-CAkey', caKey, '-CAcreateserial', '-out', cert, '-days', '30', '-extfile', ext);
    const chainFile = this.path('chain.pem');
    writeFileSync(chainFile, Buffer.concat([readFileSync(cert), readFileSync(caCert)]));
    return { cert, key, chainFile };
  }

  /** Signs `input` into `output` with osslsigncode (SHA-256). */
  sign(input: string, output: string, signer: { cert: string; key: string; chainFile?: string }, programName = 'Sandbox Test'): Uint8Array {
    execFileSync(TOOLS.osslsigncode, ['sign', '-certs', signer.chainFile ?? signer.cert, '-key', signer.key, '-h', 'sha256', '-n', programName, '-in', this.path(input), '-out', this.path(output)], {
      cwd: this.dir,
      stdio: 'pipe',
    });
    return this.read(output);
  }

  /** osslsigncode's "Calculated message digest" (the authentihash) of a signed file, lower-case. */
  osslsigncodeDigest(name: string): string {
    const out = spawnSync(TOOLS.osslsigncode, ['verify', '-in', this.path(name)], { encoding: 'utf8' });
    const m = /Calculated message digest\s*:\s*([0-9A-F]+)/i.exec(`${out.stdout}\n${out.stderr}`);
    if (!m) throw new Error(`osslsigncode printed no digest: ${out.stdout}${out.stderr}`);
    return m[1].toLowerCase();
  }

  /** pefile's imphash and PE checksum of a file (Debian's python3-pefile). */
  pefile(path: string): { imphash: string; checksum: number } {
    // The checksum from a fast load: a full parse of some files rewrites bytes of pefile's own copy of the data.
    const script = 'import pefile,sys,json\npe=pefile.PE(sys.argv[1])\nfast=pefile.PE(sys.argv[1],fast_load=True)\nprint(json.dumps({"imphash":pe.get_imphash(),"checksum":fast.generate_checksum()}))';
    return JSON.parse(execFileSync(TOOLS.python, ['-c', script, path], { encoding: 'utf8' })) as { imphash: string; checksum: number };
  }

  /** Whether YARA's pe.imphash() of the file equals `hash`. */
  yaraImphashIs(path: string, hash: string): boolean {
    const rule = this.write('imphash.yar', `import "pe"\nrule imphash_equal { condition: pe.imphash() == "${hash}" }\n`);
    return execFileSync(TOOLS.yara, [rule, path], { encoding: 'utf8' }).includes('imphash_equal');
  }

  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
