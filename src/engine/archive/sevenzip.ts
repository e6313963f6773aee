import { readFileSync } from 'node:fs';

/**
 * 7-Zip 24.09 compiled to WebAssembly (the `7z-wasm` package), driven in-process over its in-memory
 * emscripten file system. Nothing it does touches the host file system: the archive is placed in
 * MEMFS, members are written to MEMFS and handed back as byte arrays, NODEFS is never mounted.
 *
 * What this wrapper adds to the bare module, each learnt by running it:
 * - The WebAssembly module is compiled once per process (≈ 20 ms). An instance (≈ 10 ms to create)
 *   serves one archive's commands and is then parked for the next archive, unless a command ended
 *   abnormally: the build has no C++ exception support, so a 7-Zip exception (truncated archive,
 *   write error) escapes through the WASM stack and leaves the instance unusable; it is dropped and
 *   the next command gets a new one. An instance whose heap grew past 64 MiB is dropped too (a
 *   grown WASM heap never shrinks).
 * - The emscripten runtime sets `process.exitCode` to 7-Zip's exit status; it is restored after
 *   every command, or one failed listing would make the worker exit non-zero.
 * - stdin answers end-of-file (the default reads the process's fd 0 synchronously).
 * - The WASM heap may not grow beyond `heapCapBytes`: an archive declaring a huge dictionary fails
 *   to allocate (7-Zip then reports a data error; RunResult.heapRefused says what it was) instead
 *   of the process growing to 2 GiB.
 * - Output files are opened, written and closed through hooks: the caller decides per file whether
 *   it may be created and how many bytes it may receive, and receives its bytes at close. A file
 *   that outgrows its allowance stops the command at once (declared sizes can lie).
 * - Reads and writes check a deadline: `callMain` is synchronous, a timer cannot interrupt it.
 */

interface FsNode {
  /** Uint8Array or, for a file written in one call, an Int8Array slice of the WASM heap. */
  contents: Uint8Array | Int8Array | null;
  usedBytes: number;
}
interface FsStream {
  node: FsNode;
  position: number;
}
interface EmscriptenFs {
  open(path: string, flags: string | number, mode?: number): FsStream;
  close(stream: FsStream): void;
  write(stream: FsStream, buffer: ArrayBufferView, offset: number, length: number, position?: number, canOwn?: boolean): number;
  read(stream: FsStream, buffer: ArrayBufferView, offset: number, length: number, position?: number): number;
  writeFile(path: string, data: Uint8Array, opts?: { canOwn?: boolean }): void;
  mkdir(path: string): void;
  rmdir(path: string): void;
  readdir(path: string): string[];
  unlink(path: string): void;
  ErrnoError: new (errno: number) => Error;
}
interface SevenZipModule {
  FS: EmscriptenFs;
  callMain(args: string[]): number;
}
type SevenZipFactory = (options: Record<string, unknown>) => Promise<SevenZipModule>;

// eslint-disable-next-line @typescript-eslint/no-require-imports
const factory = require('7z-wasm') as SevenZipFactory;

/** The parts of the WebAssembly global used here (the project's `lib` has no DOM / WebAssembly typings). */
type WasmModule = object;
interface WasmMemory {
  buffer: ArrayBuffer;
}
interface WasmInstance {
  exports: Record<string, unknown>;
}
const wasm = (globalThis as unknown as {
  WebAssembly: {
    compile(bytes: Uint8Array): Promise<WasmModule>;
    instantiate(module: WasmModule, imports: object): Promise<WasmInstance>;
    RuntimeError: new (message?: string) => Error;
  };
}).WebAssembly;

/** emscripten errno for "permission denied": 7-Zip reports "Cannot open output file" and skips the item without decoding it. */
const EACCES = 2;

let compiled: Promise<WasmModule> | undefined;

/** The compiled 7-Zip module, once per process (the `.wasm` is read from the package, never fetched). */
export function sevenZipModule(): Promise<WasmModule> {
  compiled ??= (async () => wasm.compile(readFileSync(require.resolve('7z-wasm/7zz.wasm'))))().catch((err: unknown) => {
    compiled = undefined;
    throw err;
  });
  return compiled;
}

/** Thrown from the write hook when an output file exceeds what it was allowed. */
export class OutputLimitError extends Error {
  constructor(
    readonly path: string,
    readonly limit: number,
    readonly attempted: number,
  ) {
    super(`output ${path} exceeded its ${limit}-byte allowance`);
  }
}

/** Thrown from the read/write hooks once the session's deadline has passed. */
export class DeadlineError extends Error {
  constructor() {
    super('time budget exhausted while 7-Zip was running');
  }
}

/** Decides about each file 7-Zip wants to create in the output directory of one command. */
export interface OutputController {
  /**
   * `null` refuses the file (7-Zip skips the item); otherwise the most bytes it may receive and the
   * size it is expected to have (its storage is then allocated once instead of grown step by step).
   */
  open(relativePath: string): { limit: number; expectedSize?: number } | null;
  /** The file's complete bytes once 7-Zip closes it. */
  close(relativePath: string, data: Uint8Array): void;
}

export interface RunResult {
  /** 7-Zip's exit status (0 ok, 1 warning, 2 fatal error, 7 command line, 8 memory), null when it did not exit normally. */
  exitCode: number | null;
  /** stdout / stderr lines (bounded: the most recent `maxLines` kept of each). */
  stdout: string[];
  stderr: string[];
  /** The largest WASM heap size refused to 7-Zip during the command (it then fails to allocate). */
  heapRefused?: number;
  /** Set when the command did not end normally: an escaped 7-Zip exception, a WASM trap, a hook's stop. */
  crash?: { kind: 'limit' | 'deadline' | 'exception' | 'abort'; message: string; error?: unknown };
}

export interface SessionOptions {
  /** Largest WASM heap 7-Zip may grow to. */
  heapCapBytes: number;
  /** Epoch ms after which reads/writes fail with DeadlineError. */
  deadline: number;
  /** Lines of stdout/stderr kept per command. */
  maxLines?: number;
}

const INPUT_DIR = '/input';
/** An instance whose heap stayed below this is kept for the next archive (see parkInstance). */
export const REUSE_HEAP_MAX_BYTES = 64 * 1024 * 1024;

/**
 * One idle instance per thread, reused by the next archive: creating one costs ≈ 10 ms, a command on
 * a live one ≈ 0.4 ms. Only instances that ended every command normally are parked (an escaped
 * exception leaves the WASM stack and heap inconsistent), only with a small heap (a grown heap never
 * shrinks) and only after their file system is emptied.
 */
let parked: { instance: Instance; heapCap: number } | undefined;

function parkInstance(instance: Instance, heapCap: number): void {
  if (parked || instance.heapBytes() > REUSE_HEAP_MAX_BYTES || !instance.reset()) return;
  parked = { instance, heapCap };
}

function takeParked(heapCap: number): Instance | undefined {
  const found = parked?.heapCap === heapCap ? parked.instance : undefined;
  if (found) parked = undefined;
  return found;
}

/**
 * One archive's 7-Zip session: the input is placed once per instance (without copying), commands run
 * one after another, and an instance that ended abnormally is replaced before the next command.
 */
export class SevenZipSession {
  private instance: Instance | undefined;
  /** Instances used, and of those newly created (for tests and measurements). */
  instances = 0;
  created = 0;

  constructor(
    private readonly input: Uint8Array,
    private readonly inputName: string,
    private readonly options: SessionOptions,
  ) {}

  /** The archive's path inside the instance. */
  get archivePath(): string {
    return `${INPUT_DIR}/${this.inputName}`;
  }

  /** Runs one 7-Zip command; `output` receives files written under the returned directory. */
  async run(args: (outputDir: string) => string[], hooks: { output?: OutputController; onStdout?: (line: string) => void; onStderr?: (line: string) => void } = {}): Promise<RunResult> {
    if (Date.now() > this.options.deadline) {
      return { exitCode: null, stdout: [], stderr: [], crash: { kind: 'deadline', message: new DeadlineError().message } };
    }
    const instance = this.instance ?? (this.instance = await this.acquireInstance());
    const outputDir = instance.newOutputDir();
    const result = instance.run(args(outputDir), outputDir, hooks, this.options);
    if (result.crash) this.instance = undefined; // never reuse an instance a command did not leave cleanly
    return result;
  }

  /** Ends the session; a healthy instance is parked for the next archive. */
  dispose(): void {
    const instance = this.instance;
    this.instance = undefined;
    if (instance) parkInstance(instance, this.options.heapCapBytes);
  }

  private async acquireInstance(): Promise<Instance> {
    let instance = takeParked(this.options.heapCapBytes);
    if (!instance) {
      instance = await Instance.create(await sevenZipModule(), this.options);
      instance.module.FS.mkdir(INPUT_DIR);
      this.created++;
    }
    // canOwn: MEMFS keeps a view of the caller's bytes instead of copying them; 7-Zip only reads the archive.
    instance.module.FS.writeFile(this.archivePath, this.input, { canOwn: true });
    this.instances++;
    return instance;
  }
}

interface Tracked {
  path: string;
  limit: number;
  expectedSize?: number;
  stream: FsStream;
}

class Instance {
  private active: { outputDir: string; output?: OutputController; options: SessionOptions } | undefined;
  private tracked = new Map<FsNode, Tracked>();
  private stdoutSink: (line: string) => void = () => undefined;
  private stderrSink: (line: string) => void = () => undefined;
  private lastThrow: string | undefined;
  private heapRefused: number | undefined;

  private memory: () => WasmMemory | undefined = () => undefined;
  private outputDirs: string[] = [];
  private outputCounter = 0;

  private constructor(readonly module: SevenZipModule) {}

  /** A fresh, empty output directory for the next command. */
  newOutputDir(): string {
    const dir = `/out${++this.outputCounter}`;
    this.module.FS.mkdir(dir);
    this.outputDirs.push(dir);
    return dir;
  }

  heapBytes(): number {
    return this.memory()?.buffer.byteLength ?? Number.POSITIVE_INFINITY;
  }

  /** Empties the file system (input and outputs); false when something could not be removed. */
  reset(): boolean {
    const fs = this.module.FS;
    try {
      for (const dir of [...this.outputDirs, INPUT_DIR]) {
        for (const name of fs.readdir(dir)) if (name !== '.' && name !== '..') fs.unlink(`${dir}/${name}`);
        if (dir !== INPUT_DIR) fs.rmdir(dir);
      }
      this.outputDirs = [];
      return true;
    } catch {
      return false;
    }
  }

  static async create(compiledModule: WasmModule, options: SessionOptions): Promise<Instance> {
    let memory: WasmMemory | undefined;
    // Filled in once the module exists; the runtime calls print/printErr and __cxa_throw through these.
    const sinks = {
      out: (_: string) => undefined as void,
      err: (_: string) => undefined as void,
      thrown: (_: string) => undefined as void,
      heapRefused: (_: number) => undefined as void,
    };
    let instantiationFailed: (err: unknown) => void = () => undefined;
    const failure = new Promise<never>((_, reject) => {
      instantiationFailed = reject;
    });
    const ready = factory({
      noExitRuntime: true,
      stdin: () => null,
      print: (line: string) => sinks.out(line),
      printErr: (line: string) => sinks.err(line),
      locateFile: (file: string) => file, // never used: instantiateWasm supplies the instance
      instantiateWasm: (imports: { env: Record<string, (...args: number[]) => unknown> }, receive: (instance: WasmInstance, module: WasmModule) => void) => {
        const env = imports.env;
        const resize = env.emscripten_resize_heap;
        env.emscripten_resize_heap = (requested: number) => {
          if ((requested >>> 0) <= options.heapCapBytes) return resize(requested);
          sinks.heapRefused(requested >>> 0);
          return 0;
        };
        env.emscripten_get_heap_max = () => options.heapCapBytes;
        const cxaThrow = env.__cxa_throw;
        env.__cxa_throw = (ptr: number, type: number, destructor: number) => {
          sinks.thrown(describeCxxException(memory, ptr, type));
          return cxaThrow(ptr, type, destructor);
        };
        wasm.instantiate(compiledModule, imports).then((instance) => {
          memory = instance.exports.memory as WasmMemory;
          receive(instance, compiledModule);
        }, instantiationFailed);
        return {};
      },
    });
    // emscripten's instantiateWasm path never rejects: a failed instantiation would hang without this.
    const module = await Promise.race([ready, failure]);
    const instance = new Instance(module);
    instance.memory = () => memory;
    sinks.out = (line) => instance.stdoutSink(line);
    sinks.err = (line) => instance.stderrSink(line);
    sinks.thrown = (what) => {
      instance.lastThrow = what;
    };
    sinks.heapRefused = (bytes) => {
      instance.heapRefused = Math.max(instance.heapRefused ?? 0, bytes);
    };
    instance.installHooks();
    return instance;
  }

  run(args: string[], outputDir: string, hooks: { output?: OutputController; onStdout?: (line: string) => void; onStderr?: (line: string) => void }, options: SessionOptions): RunResult {
    const maxLines = options.maxLines ?? 2000;
    const stdout: string[] = [];
    const stderr: string[] = [];
    const keep = (lines: string[], line: string) => {
      if (lines.length >= maxLines) lines.shift();
      lines.push(line);
    };
    this.stdoutSink = (line) => {
      keep(stdout, line);
      hooks.onStdout?.(line);
    };
    this.stderrSink = (line) => {
      keep(stderr, line);
      hooks.onStderr?.(line);
    };
    this.active = { outputDir, output: hooks.output, options };
    this.tracked.clear();
    this.lastThrow = undefined;
    this.heapRefused = undefined;
    const exitCodeBefore = process.exitCode;
    const heap = () => (this.heapRefused !== undefined ? { heapRefused: this.heapRefused } : {});
    try {
      const exitCode = this.module.callMain(args);
      return { exitCode, stdout, stderr, ...heap() };
    } catch (err) {
      return { exitCode: null, stdout, stderr, ...heap(), crash: this.classify(err) };
    } finally {
      process.exitCode = exitCodeBefore;
      this.active = undefined;
      this.tracked.clear();
      this.stdoutSink = () => undefined;
      this.stderrSink = () => undefined;
    }
  }

  private classify(err: unknown): NonNullable<RunResult['crash']> {
    if (err instanceof OutputLimitError) return { kind: 'limit', message: err.message, error: err };
    if (err instanceof DeadlineError) return { kind: 'deadline', message: err.message, error: err };
    if (typeof err === 'number') return { kind: 'exception', message: this.lastThrow ?? '7-Zip raised an internal exception' };
    if (err instanceof wasm.RuntimeError) return { kind: 'abort', message: `7-Zip aborted: ${err.message.slice(0, 200)}` };
    const message = err instanceof Error ? err.message : String(err);
    return { kind: 'abort', message: `7-Zip failed: ${message.slice(0, 200)}` };
  }

  /** Wraps the file-system calls 7-Zip's syscalls go through (they look them up on FS at each call). */
  private installHooks(): void {
    const fs = this.module.FS;
    const open = fs.open.bind(fs);
    const close = fs.close.bind(fs);
    const write = fs.write.bind(fs);
    const read = fs.read.bind(fs);

    fs.open = (path, flags, mode) => {
      const active = this.active;
      const writing = typeof flags === 'number' ? (flags & 3) !== 0 : /[wa+]/.test(flags);
      if (!active || typeof path !== 'string' || !writing || !path.startsWith(`${active.outputDir}/`)) return open(path, flags, mode);
      const relative = path.slice(active.outputDir.length + 1);
      const decision = active.output ? active.output.open(relative) : { limit: 0 };
      if (!decision) throw new fs.ErrnoError(EACCES);
      const stream = open(path, flags, mode);
      this.tracked.set(stream.node, { path: relative, limit: decision.limit, expectedSize: decision.expectedSize, stream });
      return stream;
    };

    fs.write = (stream, buffer, offset, length, position, canOwn) => {
      const active = this.active;
      const tracked = stream && this.tracked.get(stream.node);
      if (active && tracked) {
        if (Date.now() > active.options.deadline) throw new DeadlineError();
        const end = (position ?? stream.position) + length;
        if (end > tracked.limit) throw new OutputLimitError(tracked.path, tracked.limit, end);
        // MEMFS grows a file by 12.5 % at a time (dozens of copies for a large member): once data
        // flows, give it its expected size at once (bounded by its allowance).
        const node = stream.node;
        const expected = tracked.expectedSize;
        if (expected && expected <= tracked.limit && node.usedBytes > 0 && node.contents && node.contents.length < expected && end <= expected) {
          const grown = new Uint8Array(expected);
          grown.set(new Uint8Array(node.contents.buffer, node.contents.byteOffset, node.usedBytes));
          node.contents = grown;
        }
      }
      return write(stream, buffer, offset, length, position, canOwn);
    };

    fs.read = (stream, buffer, offset, length, position) => {
      const active = this.active;
      if (active && Date.now() > active.options.deadline) throw new DeadlineError();
      return read(stream, buffer, offset, length, position);
    };

    fs.close = (stream) => {
      const tracked = stream && this.tracked.get(stream.node);
      close(stream);
      if (!tracked || tracked.stream !== stream) return;
      this.tracked.delete(stream.node);
      const node = stream.node;
      const used = node.usedBytes;
      const contents = node.contents;
      let data: Uint8Array;
      if (!contents || used === 0) data = new Uint8Array(0);
      // MEMFS grows files by up to 12.5 %: keep the view when the slack is small, copy otherwise.
      // A view, always as Uint8Array: a file written in one call holds a slice of the WASM heap, an Int8Array.
      else if (contents.length - used <= used / 8) data = new Uint8Array(contents.buffer, contents.byteOffset, used);
      else data = new Uint8Array(contents.buffer, contents.byteOffset, used).slice();
      // The bytes now belong to the caller; MEMFS lets go of them (7-Zip only sets times afterwards).
      node.contents = null;
      node.usedBytes = 0;
      this.active?.output?.close(tracked.path, data);
    };
  }
}

/** "N8NArchive4NZip12CUnexpectEndE" → "NArchive::NZip::CUnexpectEnd", plus the HRESULT of a CSystemException. */
function describeCxxException(memory: WasmMemory | undefined, ptr: number, type: number): string {
  if (!memory) return '7-Zip raised an internal exception';
  try {
    const view = new DataView(memory.buffer);
    const bytes = new Uint8Array(memory.buffer);
    const namePtr = view.getUint32(type + 4, true);
    let mangled = '';
    for (let i = namePtr; i < bytes.length && bytes[i] && mangled.length < 200; i++) mangled += String.fromCharCode(bytes[i]);
    const name = demangle(mangled);
    const friendly = FRIENDLY_EXCEPTIONS.find(([pattern]) => pattern.test(name));
    if (/CSystemException$/.test(name)) {
      const hresult = view.getUint32(ptr, true);
      return `7-Zip error 0x${hresult.toString(16).padStart(8, '0')}${HRESULTS[hresult] ? ` (${HRESULTS[hresult]})` : ''}`;
    }
    return friendly ? friendly[1] : `7-Zip raised ${name}`;
  } catch {
    return '7-Zip raised an internal exception';
  }
}

const FRIENDLY_EXCEPTIONS: [RegExp, string][] = [
  [/CUnexpectEnd|CInBufferException|UnexpectedEnd/i, 'Unexpected end of archive'],
  [/CNewException|bad_alloc/i, 'Cannot allocate memory'],
  [/COutBufferException/i, 'Write error while extracting'],
  [/CMessagePathException/i, '7-Zip rejected the command line'],
  [/HeadersError|CHeaderErrorException/i, 'Headers error'],
];

const HRESULTS: Record<number, string> = {
  0x80004001: 'not implemented',
  0x80004005: 'unspecified failure',
  0x8007000e: 'out of memory',
  0x80070057: 'invalid argument',
  0x80004004: 'aborted',
  1: 'data error',
};

function demangle(mangled: string): string {
  // Itanium ABI nested names: N <len><id> ... E, or a single <len><id>.
  let s = mangled;
  const nested = s.startsWith('N');
  if (nested) s = s.slice(1);
  const parts: string[] = [];
  while (s && /^\d/.test(s)) {
    const m = /^(\d+)/.exec(s)!;
    const len = Number(m[1]);
    parts.push(s.slice(m[1].length, m[1].length + len));
    s = s.slice(m[1].length + len);
  }
  return parts.length ? parts.join('::') : mangled;
}
