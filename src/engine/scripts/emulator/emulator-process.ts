import { emulate, EmulationOptions, EmulationResult, EmulationSource } from './emulator';

/**
 * Entry point of an emulator process (started by emulator-host.ts): runs one emulation per message
 * and answers with its result. It exits with its parent (the IPC channel closes).
 */
export interface EmulationRequest {
  id: number;
  sources: EmulationSource[];
  options: Omit<EmulationOptions, 'signal'>;
}

export interface EmulationReply {
  id: number;
  result: EmulationResult;
}

if (!process.send) throw new Error('emulator-process runs as a forked child (see emulator-host.ts)');
const send = process.send.bind(process);

process.on('message', (request: EmulationRequest) => {
  void emulate(request.sources, request.options)
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
    .then((result) => send({ id: request.id, result } satisfies EmulationReply));
});
process.on('disconnect', () => process.exit(0));
