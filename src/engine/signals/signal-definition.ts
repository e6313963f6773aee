import { Verdict } from '../types';

/**
 * Every signal the engine can raise. A signal states what one observation alone says about a file
 * (its verdict) and how strongly (strength 0..1, MetaDefender's "signal strength"); scoring.ts turns
 * the signals a file raised into its verdict.
 */
export interface SignalDefinition {
  id: string;
  description: string;
  verdict: Verdict;
  strength: number;
  mitre: string[];
}

/** Shorthand for a catalogue entry. */
export const S = (id: string, verdict: Verdict, strength: number, description: string, mitre: string[] = []): SignalDefinition => ({
  id,
  verdict,
  strength,
  description,
  mitre,
});

