import type { SignalDefinition } from '../signal-definition';

/** Signals of the analyzers for Office documents (OLE, OOXML, VBA, XLM, DDE) and RTF. */
export const OFFICE_SIGNALS: SignalDefinition[] = [];
