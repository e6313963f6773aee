import type { Analyzer, FileContext } from '../../src/engine/types';

/**
 * Hostile analyzers for the EngineRunner's tests, loaded inside the engine thread by module path
 * (`{ module: __filename, exportName: 'loopForever' }`). Each misbehaves only on files whose name
 * starts with its trigger, so one pool can run good and bad analyses side by side.
 */

const on = (prefix: string, name: string, run: (file: FileContext) => void): Analyzer => ({
  name,
  budgetMs: 60_000,
  appliesTo: (file) => file.name.startsWith(prefix),
  analyze: async (file) => {
    run(file);
    return { tags: [name] };
  },
});

/** A parser stuck in a synchronous endless loop: only terminating the thread ends it. */
export function loopForever(): Analyzer[] {
  return [
    on('loop', 'endless-loop', () => {
      let x = 0;
      for (;;) x = (x + 1) % 7;
    }),
  ];
}

/** A parser that builds an ever-growing object graph: the thread's heap limit ends it. */
export function heapBomb(): Analyzer[] {
  return [
    on('bomb', 'heap-bomb', () => {
      const hoard: unknown[] = [];
      for (;;) hoard.push({ a: Math.random(), b: [1, 2, 3], c: 'x'.repeat(32) + hoard.length });
    }),
  ];
}

/** A native-style crash: the thread ends under the analysis. */
export function exitThread(): Analyzer[] {
  return [on('exit', 'exit-thread', () => process.exit(3))];
}

/** All of the above. */
export function hostile(): Analyzer[] {
  return [...loopForever(), ...heapBomb(), ...exitThread()];
}
