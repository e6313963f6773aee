import { emulate, EmulationEvent, EmulationOptions, EmulationResult, EmulationSource } from './emulator';

/**
 * Entry point of an emulator process (started by emulator-host.ts): runs one emulation per message.
 * What the emulation keeps (records, drops, layers) goes to the parent while it runs, in batches,
 * and the run ends with a summary: a run whose process is killed (an isolate stuck at its memory
 * limit) leaves the parent what it did until then. It exits with its parent (the IPC channel closes).
 */
export interface EmulationRequest {
  id: number;
  sources: EmulationSource[];
  options: Omit<EmulationOptions, 'signal'>;
}

/** The run's outcome and timings; its records, drops and layers came before, as events. */
export type EmulationSummary = Omit<EmulationResult, 'records' | 'drops' | 'layers'>;

export type EmulationReply = { id: number; events: EmulationEvent[] } | { id: number; summary: EmulationSummary };

if (!process.send) throw new Error('emulator-process runs as a forked child (see emulator-host.ts)');
const send = process.send.bind(process);

process.on('message', (request: EmulationRequest) => {
  let batch: EmulationEvent[] = [];
  const flush = () => {
    if (!batch.length) return;
    send({ id: request.id, events: batch } satisfies EmulationReply);
    batch = [];
  };
  // Events of one turn of the event loop travel together (a sample records in bursts).
  const observe = (event: EmulationEvent) => {
    if (!batch.length) setImmediate(flush);
    batch.push(event);
  };
  void emulate(request.sources, request.options, observe)
    .catch((err: unknown): EmulationResult => ({
      outcome: 'error',
      message: err instanceof Error ? err.message : String(err),
      records: [],
      totalRecords: 0,
      drops: [],
      layers: [],
      exceptions: [],
      startupMs: 0,
      runMs: 0,
    }))
    .then(({ records: _records, drops: _drops, layers: _layers, ...summary }) => {
      flush();
      send({ id: request.id, summary } satisfies EmulationReply);
    });
});
process.on('disconnect', () => process.exit(0));
