import { Injectable, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Principal } from '../../common/access/principal';
import { ValidationFailedException } from '../../common/errors/validation';
import { ssdeepCompare, tlshDistance, tlshGrams } from '../../engine/hashing/similarity';
import { Verdict, VERDICT_ORDER } from '../../engine/types';
import { IocPrevalenceDto, SimilarityKind, SimilarReportDto, SimilarsDto, SimilarsQueryDto, VerdictCountsDto } from './dtos/threatintel.dto';
import { visibleSql } from './visible-sql';

/** Candidates scored per similar-files query: a very common imphash must not make one request read thousands of rows. */
const MAX_CANDIDATES = 2000;

const SUMMARY = `r.id, r.flow_id, r.parent_id, r.depth, r.file_name, r.sha256, r.file_type, r.file_kind, r.size, r.verdict, r.threat_level,
  r.tags, r.created_at, r.is_private`;

interface SummaryRow {
  id: string;
  flow_id: string;
  parent_id: string | null;
  depth: number;
  file_name: string;
  sha256: string | null;
  file_type: string;
  file_kind: string;
  size: string;
  verdict: string;
  threat_level: number;
  tags: string[];
  created_at: Date;
  is_private: boolean;
}

interface HashRow extends SummaryRow {
  imphash: string | null;
  authentihash: string | null;
  ssdeep: string | null;
  tlsh: string | null;
}

const summaryOf = (r: SummaryRow) => ({
  id: r.id,
  flow_id: r.flow_id,
  parent_id: r.parent_id,
  depth: r.depth,
  file_name: r.file_name,
  sha256: r.sha256,
  file_type: r.file_type,
  file_kind: r.file_kind,
  size: Number(r.size),
  verdict: r.verdict,
  threat_level: r.threat_level,
  tags: r.tags,
  created_date: r.created_at,
  is_private: r.is_private,
});

/**
 * IOC prevalence and similar files. Every lookup goes through an index: `report_iocs` by value,
 * `reports` by primary key, imphash, authentihash and ssdeep, and the candidate indexes
 * `report_ssdeep_grams` / `report_tlsh_grams`; candidates are then scored exactly here.
 */
@Injectable()
export class ThreatIntelService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** For each IOC: how many reports visible to the caller name it, when first and last, with which verdicts. */
  async prevalence(principal: Principal, iocs: string[]): Promise<IocPrevalenceDto[]> {
    const asked = [...new Set(iocs)];
    // Hashes and domains are stored in lower case; URLs and the like as found. Look up both spellings.
    const pairs = asked.flatMap((ioc) => [...new Set([ioc, ioc.toLowerCase()])].map((value) => [ioc, value]));
    const params: unknown[] = [pairs.map((p) => p[0]), pairs.map((p) => p[1])];
    const visible = visibleSql('r', principal, params);
    const verdictCounts = VERDICT_ORDER.map((v) => `count(DISTINCT r.id) FILTER (WHERE r.verdict = '${v}')::int AS "${v}"`).join(', ');
    const rows: (Record<Verdict, number> & { ioc: string; types: string[]; reports: number; submissions: number; first_seen: Date; last_seen: Date })[] =
      await this.db.query(
        `SELECT q.ioc, array_agg(DISTINCT i.type ORDER BY i.type) AS types, count(DISTINCT r.id)::int AS reports,
                count(DISTINCT r.flow_id)::int AS submissions, min(r.created_at) AS first_seen, max(r.created_at) AS last_seen, ${verdictCounts}
           FROM unnest($1::text[], $2::text[]) AS q(ioc, value)
           JOIN report_iocs i ON i.value = q.value
           JOIN reports r ON r.id = i.report_id
          WHERE ${visible}
          GROUP BY q.ioc`,
        params,
      );
    const byIoc = new Map(rows.map((r) => [r.ioc, r]));
    return asked.map((ioc) => {
      const row = byIoc.get(ioc);
      const verdicts = Object.fromEntries(VERDICT_ORDER.map((v) => [v, row?.[v] ?? 0])) as unknown as VerdictCountsDto;
      return {
        ioc,
        found: !!row,
        types: row?.types ?? [],
        reports: row?.reports ?? 0,
        submissions: row?.submissions ?? 0,
        first_seen: row?.first_seen ?? null,
        last_seen: row?.last_seen ?? null,
        verdicts,
      };
    });
  }

  /**
   * Reports of other files sharing the subject's imphash or authentihash, or close to it by ssdeep
   * (score ≥ min_ssdeep_score) or TLSH (distance ≤ max_tlsh_distance).
   */
  async similars(principal: Principal, query: SimilarsQueryDto): Promise<SimilarsDto> {
    if (!!query.report_id === !!query.sha256) {
      throw new ValidationFailedException([{ field: 'report_id', messages: ['give exactly one of report_id and sha256'] }]);
    }
    const subject = await this.subject(principal, query);
    const params: unknown[] = [subject.id, subject.sha256, subject.imphash, subject.authentihash, subject.ssdeep, tlshGrams(subject.tlsh ?? '')];
    const visible = visibleSql('r', principal, params);
    params.push(MAX_CANDIDATES);
    const candidates: (HashRow & { kinds: string[] })[] = await this.db.query(
      `WITH c AS (
         SELECT id, 'imphash' AS kind FROM reports WHERE $3::text IS NOT NULL AND imphash = $3
         UNION ALL SELECT id, 'authentihash' FROM reports WHERE $4::text IS NOT NULL AND authentihash = $4
         UNION ALL SELECT id, 'ssdeep' FROM reports WHERE $5::text IS NOT NULL AND ssdeep = $5
         UNION ALL SELECT DISTINCT g.report_id, 'ssdeep' FROM ssdeep_grams($5) q
                     JOIN report_ssdeep_grams g ON g.block_size = q.block_size AND g.gram = q.gram
         UNION ALL SELECT DISTINCT t.report_id, 'tlsh' FROM report_tlsh_grams t WHERE t.key = ANY($6::int[])
       )
       SELECT ${SUMMARY}, r.imphash, r.authentihash, r.ssdeep, r.tlsh, array_agg(DISTINCT c.kind) AS kinds
         FROM c JOIN reports r ON r.id = c.id
        WHERE r.id <> $1 AND r.sha256 IS DISTINCT FROM $2 AND ${visible}
        GROUP BY r.id
        ORDER BY r.created_at DESC
        LIMIT $${params.length}`,
      params,
    );

    const similars: SimilarReportDto[] = [];
    for (const c of candidates) {
      const matched: SimilarityKind[] = [];
      if (subject.imphash && c.imphash === subject.imphash) matched.push(SimilarityKind.Imphash);
      if (subject.authentihash && c.authentihash === subject.authentihash) matched.push(SimilarityKind.Authentihash);
      const score = subject.ssdeep && c.ssdeep ? ssdeepCompare(subject.ssdeep, c.ssdeep) : null;
      if (score !== null && score >= query.min_ssdeep_score) matched.push(SimilarityKind.Ssdeep);
      const distance = subject.tlsh && c.tlsh ? tlshDistance(subject.tlsh, c.tlsh) : null;
      if (distance !== null && distance <= query.max_tlsh_distance) matched.push(SimilarityKind.Tlsh);
      if (!matched.length) continue;
      similars.push({
        ...summaryOf(c),
        matched_by: matched,
        ssdeep_score: matched.includes(SimilarityKind.Ssdeep) ? score : null,
        tlsh_distance: matched.includes(SimilarityKind.Tlsh) ? distance : null,
      });
    }
    const exact = (s: SimilarReportDto) => (s.matched_by.includes(SimilarityKind.Imphash) || s.matched_by.includes(SimilarityKind.Authentihash) ? 1 : 0);
    similars.sort(
      (a, b) =>
        exact(b) - exact(a) ||
        (b.ssdeep_score ?? -1) - (a.ssdeep_score ?? -1) ||
        (a.tlsh_distance ?? 1e9) - (b.tlsh_distance ?? 1e9) ||
        b.created_date.getTime() - a.created_date.getTime(),
    );
    return {
      report_id: subject.id,
      sha256: subject.sha256,
      imphash: subject.imphash,
      authentihash: subject.authentihash,
      ssdeep: subject.ssdeep,
      tlsh: subject.tlsh,
      similars: similars.slice(0, query.limit),
    };
  }

  private async subject(principal: Principal, query: SimilarsQueryDto): Promise<HashRow> {
    const params: unknown[] = [query.report_id ?? query.sha256];
    const visible = visibleSql('r', principal, params);
    const [row]: HashRow[] = await this.db.query(
      `SELECT ${SUMMARY}, r.imphash, r.authentihash, r.ssdeep, r.tlsh FROM reports r
        WHERE ${query.report_id ? 'r.id = $1::uuid' : 'r.sha256 = $1'} AND ${visible}
        ORDER BY r.created_at DESC LIMIT 1`,
      params,
    );
    if (!row) throw new NotFoundException(query.report_id ? 'Report not found' : 'No report of a file with this SHA-256');
    return row;
  }
}
