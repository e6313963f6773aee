import { AnalysisIssue, FinalVerdict, SignalHit, THREAT_LEVEL, Verdict, VERDICT_ORDER } from '../types';
import { SIGNAL_BY_ID, SignalDefinition } from './catalogue';
import { MITRE_BY_ID } from './mitre';

/**
 * Scoring, from signals to a verdict:
 *
 * 1. Each hit has a verdict and a strength: its catalogue entry's, unless the hit overrides them
 *    (a YARA rule carries its own).
 * 2. A file's verdict is the most severe verdict among its hits.
 * 3. Corroboration: three or more distinct SUSPICIOUS signals (and nothing worse) make the file
 *    LIKELY_MALICIOUS — independent suspicious traits together are how droppers look.
 * 4. Without hits, the file is NO_THREAT when every analyzer finished, UNKNOWN when one failed or ran
 *    out of time (the engine cannot vouch for what it did not see) or when the content is
 *    unrecognised binary data. Refusals on purpose (limits) raise their own signals instead.
 * 5. Confidence is the combined strength of the hits at the final verdict: 1 - Π(1 - strength).
 *    Without hits it is 0.5 for NO_THREAT and 0 for UNKNOWN.
 * 6. A flow's verdict is the most severe verdict over its files: a malicious file inside an archive
 *    makes the whole submission malicious.
 */
export interface ResolvedSignal {
  definition: SignalDefinition;
  hit: SignalHit;
  verdict: Verdict;
  strength: number;
}

export function resolve(hit: SignalHit): ResolvedSignal {
  const definition = SIGNAL_BY_ID.get(hit.id);
  if (!definition) throw new Error(`unknown signal ${hit.id}`);
  return { definition, hit, verdict: hit.verdict ?? definition.verdict, strength: hit.strength ?? definition.strength };
}

const rank = (v: Verdict) => VERDICT_ORDER.indexOf(v);

export const verdictOf = (verdict: Verdict, confidence: number): FinalVerdict => ({
  verdict,
  threatLevel: THREAT_LEVEL[verdict],
  confidence: Math.round(confidence * 100) / 100,
});

export function scoreFile(hits: SignalHit[], issues: AnalysisIssue[], recognised: boolean): FinalVerdict {
  const resolved = hits.map(resolve);
  if (!resolved.length) {
    const incomplete = issues.some((i) => i.kind !== 'limit');
    return !recognised || incomplete ? verdictOf(Verdict.Unknown, 0) : verdictOf(Verdict.NoThreat, 0.5);
  }
  let verdict = resolved.reduce((worst, r) => (rank(r.verdict) > rank(worst) ? r.verdict : worst), Verdict.NoThreat);
  const suspicious = new Set(resolved.filter((r) => r.verdict === Verdict.Suspicious).map((r) => r.definition.id));
  if (verdict === Verdict.Suspicious && suspicious.size >= 3) verdict = Verdict.LikelyMalicious;
  const atVerdict = resolved.filter((r) => r.verdict === verdict);
  const supporting = atVerdict.length ? atVerdict : resolved.filter((r) => r.verdict === Verdict.Suspicious);
  const confidence = 1 - supporting.reduce((p, r) => p * (1 - r.strength), 1);
  return verdictOf(verdict, confidence);
}

export function mostSevere(verdicts: FinalVerdict[]): FinalVerdict {
  return verdicts.reduce(
    (worst, v) => (rank(v.verdict) > rank(worst.verdict) || (v.verdict === worst.verdict && v.confidence > worst.confidence) ? v : worst),
    verdictOf(Verdict.Unknown, 0),
  );
}

/** MetaDefender's `allSignalGroups`: one group per fired signal, its hits as the group's signals. */
export function signalGroups(hits: SignalHit[]) {
  const byId = new Map<string, ResolvedSignal[]>();
  for (const r of hits.map(resolve)) byId.set(r.definition.id, [...(byId.get(r.definition.id) ?? []), r]);
  return [...byId.values()]
    .map((group) => {
      const { definition } = group[0];
      const strengths = group.map((r) => r.strength);
      const verdict = group.reduce((w, r) => (rank(r.verdict) > rank(w) ? r.verdict : w), group[0].verdict);
      return {
        identifier: definition.id,
        description: definition.description,
        averageSignalStrength: Math.round((strengths.reduce((a, b) => a + b, 0) / strengths.length) * 100) / 100,
        peakSignalStrength: Math.max(...strengths),
        verdict: verdictOf(verdict, Math.max(...strengths)),
        allMitreTechniques: [...new Set([...definition.mitre, ...group.flatMap((r) => r.hit.mitre ?? [])])]
          .filter((id) => MITRE_BY_ID.has(id))
          .map((id) => ({ ID: id, name: MITRE_BY_ID.get(id)!.name, tactics: MITRE_BY_ID.get(id)!.tactics })),
        signals: group.map((r) => ({
          strength: r.strength,
          verdict: r.verdict,
          signalReadable: r.hit.description ?? definition.description,
          originPath: r.hit.originPath ?? null,
          evidence: r.hit.evidence,
        })),
      };
    })
    .sort((a, b) => rank(b.verdict.verdict) - rank(a.verdict.verdict) || b.peakSignalStrength - a.peakSignalStrength);
}
