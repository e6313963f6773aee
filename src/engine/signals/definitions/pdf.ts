import type { SignalDefinition } from '../signal-definition';

/** Signals of the analyzers for PDF documents. */
export const PDF_SIGNALS: SignalDefinition[] = [];
