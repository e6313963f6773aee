import { ChildProcess, fork } from 'node:child_process';
import { extname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { EmulationDrop, EmulationLayer, EmulationOptions, EmulationOutcome, EmulationRecord, EmulationResult, EmulationSource } from './emulator';
import type { EmulationReply, EmulationRequest } from './emulator-process';

/**
 * Runs emulations in a child process (emulator-process.ts) instead of this one.
 *
 * isolated-vm enforces an isolate's time and memory limits from inside V8, and V8 can get stuck: a
 * script that grows a Map or a dictionary object up to the memory limit leaves the isolate's thread
 * in an endless series of last-resort garbage collections, where neither the timeout nor dispose()
 * reaches it. In this process that would be a thread spinning and holding memory for good. In a
 * child, it ends with the child: a run that has not answered `GRACE_MS` after its time limit kills
 * the process, and the next run starts a new one. The child sends what the emulation keeps as it
 * goes: a killed run still returns the actions, drops and layers seen before it got stuck.
 *
 * One child serves the emulations of this thread one after another and is replaced after
 * `MAX_USES`; a second run arriving while one is busy (an analysis abandoned at its budget while its
 * emulation still runs) gets a child of its own.
 */
const ENTRY = join(__dirname, `emulator-process${extname(__filename)}`);
/** Child start-up (first use) and isolate set-up, on top of the sample's own time limit. */
const GRACE_MS = 2000;
const MAX_USES = 200;

class Host {
  readonly child: ChildProcess;
  uses = 0;
  dead = false;

  constructor() {
    const typescript = ENTRY.endsWith('.ts');
    this.child = fork(ENTRY, [], {
      // isolated-vm needs --no-node-snapshot on Node 20; under ts-node (tests) the entry is TypeScript.
      execArgv: ['--no-node-snapshot', ...(typescript ? ['-r', 'ts-node/register/transpile-only'] : [])],
      serialization: 'advanced',
      stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
    });
    this.child.on('exit', () => (this.dead = true));
    this.child.on('error', () => (this.dead = true));
    // An idle child never keeps this process alive.
    this.child.unref();
    this.child.channel?.unref();
  }

  kill(): void {
    this.dead = true;
    this.child.kill('SIGKILL');
  }
}

let idle: Host | undefined;
let nextId = 1;

function acquire(): Host {
  const host = idle && !idle.dead ? idle : new Host();
  if (host === idle) idle = undefined;
  return host;
}

function release(host: Host): void {
  if (host.dead) return;
  if (++host.uses >= MAX_USES || idle) return host.kill();
  idle = host;
}

interface Kept {
  records: EmulationRecord[];
  drops: EmulationDrop[];
  layers: EmulationLayer[];
}

/** A run that ended without the child's summary, with what the child had sent of it. */
function ended(outcome: EmulationOutcome, message: string, runMs: number, kept: Kept = { records: [], drops: [], layers: [] }): EmulationResult {
  const seen = kept.records.length ? `; the ${kept.records.length} action(s) recorded before are kept` : '';
  return { outcome, message: message + seen, ...kept, totalRecords: kept.records.length, exceptions: [], startupMs: 0, runMs };
}

/** emulate(), in a child process that is killed when the emulation does not end within its limits. */
export function emulateInChild(sources: EmulationSource[], options: EmulationOptions): Promise<EmulationResult> {
  const { signal, ...rest } = options;
  if (signal?.aborted) return Promise.resolve(ended('aborted', 'emulation stopped: the analysis ran out of time', 0));
  const host = acquire();
  const id = nextId++;
  const started = performance.now();
  return new Promise<EmulationResult>((resolve) => {
    let settled = false;
    const finish = (result: EmulationResult, healthy: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      host.child.off('message', onMessage);
      host.child.off('exit', onExit);
      if (healthy) release(host);
      else host.kill();
      resolve(result);
    };
    const elapsed = () => performance.now() - started;
    const kept: Kept = { records: [], drops: [], layers: [] };
    const onMessage = (reply: EmulationReply) => {
      if (reply.id !== id) return;
      if ('summary' in reply) return finish({ ...reply.summary, ...kept }, true);
      for (const event of reply.events) {
        if ('record' in event) kept.records.push(event.record);
        else if ('drop' in event) kept.drops.push(event.drop);
        else kept.layers.push(event.layer);
      }
    };
    const onExit = (code: number | null, exitSignal: NodeJS.Signals | null) =>
      finish(ended('error', `the emulator process ended (${exitSignal ?? `exit code ${code}`}) before the emulation did`, elapsed(), kept), false);
    const onAbort = () => finish(ended('aborted', 'emulation stopped: the analysis ran out of time', elapsed(), kept), false);
    const timer = setTimeout(
      () => finish(ended('timeout', `the emulation did not end within its ${options.timeoutMs} ms limit (an isolate stuck at its memory limit does not stop): its process was killed`, elapsed(), kept), false),
      options.timeoutMs + GRACE_MS,
    );
    host.child.on('message', onMessage);
    host.child.on('exit', onExit);
    signal?.addEventListener('abort', onAbort, { once: true });
    if (host.dead) return onExit(null, null);
    host.child.send({ id, sources, options: rest } satisfies EmulationRequest, (err) => {
      if (err) finish(ended('error', `the emulator process could not be reached: ${err.message}`, elapsed()), false);
    });
  });
}
