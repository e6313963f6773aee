import type { SignalDefinition } from '../signal-definition';

/** Signals of the analyzers for scripts and JavaScript emulation. */
export const SCRIPT_SIGNALS: SignalDefinition[] = [];
