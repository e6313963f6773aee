import type { SignalDefinition } from '../signal-definition';

/** Signals of the analyzers for LNK shortcuts and ELF executables. */
export const FORMAT_SIGNALS: SignalDefinition[] = [];
