/**
 * What the server benchmarks (api, feeds, scan) share around their own measurements: the output line,
 * the PASS/MISS word, the cleanup steps and the hard time limit that stops everything.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Writes one line to stdout. */
export const log = (line = '') => process.stdout.write(`${line}\n`);

/** The word printed beside a figure that has a target. */
export const verdict = (ok: boolean) => (ok ? 'PASS' : 'MISS');

/**
 * Steps run one after another when the benchmark ends, fails or runs out of time: push what must go
 * last (the PostgreSQL cluster, temporary directories), unshift what must go first (servers, clients).
 */
export const cleanups: (() => Promise<void>)[] = [];

/** A new directory under the system's temporary directory, removed at cleanup. */
export async function temporaryDirectory(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function cleanup(): Promise<void> {
  for (const step of cleanups.splice(0)) await step().catch((err) => log(`cleanup: ${(err as Error).message}`));
}

/**
 * Runs `main`, then the cleanups. A failure is printed and sets exit code 1; after `maxSeconds` the
 * cleanups run and the process exits with code 2, whatever `main` is doing.
 */
export function runBenchmark(main: () => Promise<void>, maxSeconds: number): void {
  const watchdog = setTimeout(() => {
    log(`Benchmark exceeded ${maxSeconds} s: stopping.`);
    void cleanup().finally(() => process.exit(2));
  }, maxSeconds * 1000);

  main()
    .catch((err) => {
      log(`Benchmark failed: ${err instanceof Error ? err.stack : String(err)}`);
      process.exitCode = 1;
    })
    .finally(async () => {
      await cleanup();
      clearTimeout(watchdog);
    });
}
