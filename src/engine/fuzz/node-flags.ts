import { spawnSync } from 'node:child_process';

/**
 * Node options the engine's processes run with in production (package.json `start*`): isolated-vm,
 * which the script analyzer's emulator uses, needs `--no-node-snapshot` on Node ≥ 20.
 */
export const ENGINE_NODE_FLAGS = ['--no-node-snapshot'];

/**
 * Runs `entry` again in a Node started with ENGINE_NODE_FLAGS unless this one was, and exits with
 * its status: benchmarks started by `ts-node file.ts` then measure what production runs.
 * Returns only in the process that has the flags.
 */
export function reexecWithEngineFlags(entry: string): void {
  if (ENGINE_NODE_FLAGS.every((flag) => process.execArgv.includes(flag))) return;
  const typescript = entry.endsWith('.ts');
  const child = spawnSync(process.execPath, [...ENGINE_NODE_FLAGS, ...(typescript ? ['-r', 'ts-node/register/transpile-only'] : []), entry, ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(child.status ?? (child.signal ? 1 : 0));
}
