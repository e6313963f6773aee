import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { UserPrincipal } from '../../common/access/principal';
import { UserGroup } from '../../common/access/user-group';
import { MITRE_BY_ID } from '../../engine/signals/mitre';
import { Verdict, VERDICT_ORDER } from '../../engine/types';
import { BUNDLED_RULES_DIR, declaredRuleNames } from '../../engine/yara/yara-compiler';
import { VerdictCountsDto } from '../threatintel/dtos/threatintel.dto';
import {
  UserDailyStatDto,
  IocStatDto,
  MaliciousIpStatDto,
  MitreStatDto,
  StatScope,
  UserStatDto,
  YaraInfoDto,
  YaraRuleFileDto,
  YaraStatDto,
} from './dtos/stats.dto';
import { StatKind } from './report-daily-stat.entity';

/** Whose rows of the roll-up count: `public` is everybody's public reports, for the generic statistics. */
type Audience = { scope: StatScope; user: UserPrincipal } | { scope: 'public' };

const emptyVerdicts = (): VerdictCountsDto => Object.fromEntries(VERDICT_ORDER.map((v) => [v, 0])) as unknown as VerdictCountsDto;

/** `YYYY-MM-DD` of `days - 1` days before today (UTC), and today. */
function period(days: number): { from: string; to: string } {
  const today = new Date();
  const from = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() - (days - 1)));
  return { from: from.toISOString().slice(0, 10), to: today.toISOString().slice(0, 10) };
}

/**
 * `/api/users/stat*`: sums over the daily roll-up (`report_daily_stats`, IDX_report_daily_stats_kind_day),
 * never over reports. Numbers are as of the last `stats.rollup` run.
 */
@Injectable()
export class StatsService {
  private bundledRules?: YaraRuleFileDto[];

  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** The roll-up rows the audience may count, as a condition on alias `s` (values appended to `params`). */
  private audience(a: Audience, params: unknown[]): string {
    if (a.scope === 'public') return 's.is_private = false';
    // Every placeholder pushed must be used: PostgreSQL cannot type an unused one.
    if (a.scope === 'all' && a.user.groups.includes(UserGroup.Admin)) return 'TRUE';
    params.push(a.user.id);
    const me = `$${params.length}::uuid`;
    if (a.scope === 'me') return `s.owner_id = ${me}`;
    params.push(a.user.accessGroupId);
    return `(s.is_private = false OR s.owner_id = ${me} OR (s.access_group_id IS NOT NULL AND s.access_group_id = $${params.length}::uuid))`;
  }

  /** Sums of `kind` rows over the period, by key. */
  private async sums(a: Audience, kind: StatKind, days: number, limit?: number): Promise<{ key: string; reports: number; submissions: number; occurrences: number }[]> {
    const { from } = period(days);
    const params: unknown[] = [kind, from];
    const who = this.audience(a, params);
    const top = limit ? `ORDER BY reports DESC, key ASC LIMIT ${Number(limit)}` : 'ORDER BY key';
    return this.db.query(
      `SELECT s.key, sum(s.reports)::int AS reports, sum(s.submissions)::int AS submissions, sum(s.occurrences)::int AS occurrences
         FROM report_daily_stats s
        WHERE s.kind = $1 AND s.day >= $2::date AND ${who}
        GROUP BY s.key ${top}`,
      params,
    );
  }

  private async updatedAt(): Promise<Date | null> {
    // The statistics are current up to the oldest day still waiting for the roll-up.
    const [row]: { pending: Date | null }[] = await this.db.query('SELECT min(marked_at) AS pending FROM report_stats_dirty_days');
    return row.pending ?? new Date();
  }

  async summary(a: Audience, days: number): Promise<UserStatDto> {
    const [verdictRows, kindRows, updatedAt] = await Promise.all([
      this.sums(a, StatKind.Verdict, days),
      this.sums(a, StatKind.FileKind, days),
      this.updatedAt(),
    ]);
    const verdicts = emptyVerdicts();
    for (const r of verdictRows) if (r.key in verdicts) verdicts[r.key as Verdict] = r.submissions;
    return {
      scope: a.scope,
      period: period(days),
      submissions: verdictRows.reduce((n, r) => n + r.submissions, 0),
      reports: verdictRows.reduce((n, r) => n + r.reports, 0),
      verdicts,
      file_kinds: Object.fromEntries(kindRows.filter((r) => r.submissions > 0).map((r) => [r.key, r.submissions])),
      updated_at: updatedAt,
    };
  }

  userSummary(user: UserPrincipal, scope: StatScope, days: number): Promise<UserStatDto> {
    return this.summary({ scope, user }, days);
  }

  genericSummary(days: number): Promise<UserStatDto> {
    return this.summary({ scope: 'public' }, days);
  }

  async maliciousIps(user: UserPrincipal, scope: StatScope, days: number, limit: number): Promise<MaliciousIpStatDto[]> {
    return (await this.sums({ scope, user }, StatKind.MaliciousIp, days, limit)).map((r) => ({ ip: r.key, reports: r.reports }));
  }

  async iocs(user: UserPrincipal, scope: StatScope, days: number): Promise<IocStatDto[]> {
    const rows = await this.sums({ scope, user }, StatKind.IocType, days);
    return rows.map((r) => ({ type: r.key, occurrences: r.occurrences, reports: r.reports })).sort((a, b) => b.occurrences - a.occurrences || a.type.localeCompare(b.type));
  }

  async yara(user: UserPrincipal, scope: StatScope, days: number, limit: number): Promise<YaraStatDto[]> {
    return (await this.sums({ scope, user }, StatKind.Yara, days, limit)).map((r) => ({ rule: r.key, reports: r.reports }));
  }

  async mitre(user: UserPrincipal, scope: StatScope, days: number, limit: number): Promise<MitreStatDto[]> {
    return (await this.sums({ scope, user }, StatKind.Mitre, days, limit)).map((r) => {
      const technique = MITRE_BY_ID.get(r.key);
      return { id: r.key, name: technique?.name ?? null, tactics: technique?.tactics ?? [], reports: r.reports };
    });
  }

  /** One entry per day of the period, oldest first, days without reports included. */
  async daily(user: UserPrincipal, scope: StatScope, days: number): Promise<UserDailyStatDto[]> {
    const { from } = period(days);
    const params: unknown[] = [StatKind.Verdict, from];
    const who = this.audience({ scope, user }, params);
    const rows: { day: string; key: string; reports: number; submissions: number }[] = await this.db.query(
      `SELECT to_char(s.day, 'YYYY-MM-DD') AS day, s.key, sum(s.reports)::int AS reports, sum(s.submissions)::int AS submissions
         FROM report_daily_stats s
        WHERE s.kind = $1 AND s.day >= $2::date AND ${who}
        GROUP BY s.day, s.key`,
      params,
    );
    const out = new Map<string, UserDailyStatDto>();
    for (let i = 0; i < days; i++) {
      const date = new Date(Date.parse(`${from}T00:00:00Z`) + i * 86_400_000).toISOString().slice(0, 10);
      out.set(date, { date, submissions: 0, reports: 0, verdicts: emptyVerdicts() });
    }
    for (const r of rows) {
      const entry = out.get(r.day);
      if (!entry) continue;
      entry.submissions += r.submissions;
      entry.reports += r.reports;
      if (r.key in entry.verdicts) entry.verdicts[r.key as Verdict] += r.submissions;
    }
    return [...out.values()];
  }

  async yaraInfo(): Promise<YaraInfoDto> {
    this.bundledRules ??= readdirSync(BUNDLED_RULES_DIR)
      .filter((f) => /\.yara?$/i.test(f))
      .sort()
      .map((file) => ({ file, rules: declaredRuleNames(readFileSync(join(BUNDLED_RULES_DIR, file), 'utf8')).length }));
    const sets: { name: string; rules: number; enabled: boolean; updated_at: Date }[] = await this.db.query(
      'SELECT name, cardinality(rule_names) AS rules, enabled, updated_at FROM yara_rules ORDER BY name',
    );
    const bundled = this.bundledRules;
    return {
      bundled,
      uploaded: sets,
      active_rules: bundled.reduce((n, f) => n + f.rules, 0) + sets.filter((s) => s.enabled).reduce((n, s) => n + s.rules, 0),
      updated_at: sets.reduce<Date | null>((latest, s) => (!latest || s.updated_at > latest ? s.updated_at : latest), null),
    };
  }
}
