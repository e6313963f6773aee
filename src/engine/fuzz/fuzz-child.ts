import { runFuzz, FuzzOptions } from './harness';

/**
 * Child process of runFuzzIsolated (supervisor.ts): runs one segment of a fuzz run and reports
 * every case start, every outcome and a snapshot of the figures over IPC, so that the supervisor
 * knows which case was running if native code aborts this process.
 */
export type ChildRequest = { type: 'run'; options: Omit<FuzzOptions, 'onCase' | 'onStart' | 'onSnapshot' | 'engine' | 'analyzers'> };

if (!process.send) throw new Error('fuzz-child.ts runs as a child process of runFuzzIsolated');
const send = (message: unknown) => process.send!(message);

process.once('message', (request: ChildRequest) => {
  runFuzz({
    ...request.options,
    onStart: (index, seed) => send({ type: 'start', index, seed }),
    onCase: (outcome) => send({ type: 'case', outcome }),
    onSnapshot: (summary) => send({ type: 'snapshot', summary }),
  }).then(
    (summary) => {
      send({ type: 'done', summary });
      process.disconnect?.();
    },
    (err: unknown) => {
      send({ type: 'error', message: err instanceof Error ? err.stack ?? err.message : String(err) });
      process.disconnect?.();
    },
  );
});
