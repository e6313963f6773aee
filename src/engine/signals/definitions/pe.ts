import type { SignalDefinition } from '../signal-definition';

/** Signals of the analyzers for PE (and .NET) executables. */
export const PE_SIGNALS: SignalDefinition[] = [];
