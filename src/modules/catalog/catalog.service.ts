import { Inject, Injectable, NotFoundException } from '@nestjs/common';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { APP_CONFIG, AppConfig } from '../../config/app-config';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { SIGNALS } from '../../engine/signals/catalogue';
import { MITRE_BY_ID, MITRE_TECHNIQUES } from '../../engine/signals/mitre';
import { bundledRuleSet, BUNDLED_NAMESPACE } from '../../engine/yara/yara-compiler';
import countries from './data/countries.json';
import languages from './data/languages.json';
import { CountryDto, LanguageDto, TermsDto, MimeTypeDto, MitreDataDto, SignalGroupDto, YaraAuthorDto, YaraRuleDto } from './dtos/catalog.dto';
import { ENGINE_MIME_TYPES } from './mime-types';
import { MITRE_TACTICS, tacticUrl, techniqueUrl } from './mitre-tactics';
import { yaraRules } from './yara-meta';

/**
 * Reference data for front ends and integrations, read from the engine's own catalogues (signals,
 * ATT&CK techniques, identified types, YARA rules) so that what is listed is what reports contain.
 */
export const TERMS_TYPES = ['privacy-policy', 'terms-and-conditions'] as const;
export const TRANSLATED_LANGUAGES = ['de', 'en', 'es', 'fr'] as const;
const ASSETS = join(__dirname, 'assets');

/** UI translations shipped in assets/translations, read once. */
const TRANSLATIONS: Record<string, Record<string, string>> = Object.fromEntries(
  TRANSLATED_LANGUAGES.map((lang) => [lang, JSON.parse(readFileSync(join(ASSETS, 'translations', `${lang}.json`), 'utf8')) as Record<string, string>]),
);

@Injectable()
export class CatalogService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** The operator's text from DATA_DIR/terms/<type>.md when present, else the built-in default. `type` is checked against TERMS_TYPES first. */
  async terms(type: string): Promise<TermsDto> {
    if (!(TERMS_TYPES as readonly string[]).includes(type)) throw new NotFoundException(`Unknown terms type ${type}: one of ${TERMS_TYPES.join(', ')}`);
    const custom = await readFile(join(this.config.dataDir, 'terms', `${type}.md`), 'utf8').catch(() => null);
    return { type, format: 'markdown', custom: custom !== null, content: custom ?? (await readFile(join(ASSETS, 'terms', `${type}.md`), 'utf8')) };
  }

  translations(lang: string): Record<string, string> {
    return TRANSLATIONS[lang];
  }

  signalGroups(): SignalGroupDto[] {
    return SIGNALS.map((s) => ({
      identifier: s.id,
      description: s.description,
      verdict: s.verdict,
      strength: s.strength,
      allMitreTechniques: s.mitre.map((id) => ({ ID: id, name: MITRE_BY_ID.get(id)!.name, tactics: MITRE_BY_ID.get(id)!.tactics })),
    }));
  }

  mimeTypes(): MimeTypeDto[] {
    return ENGINE_MIME_TYPES;
  }

  mitre(): MitreDataDto {
    const techniques = [...MITRE_TECHNIQUES].sort((a, b) => a.id.localeCompare(b.id, 'en', { numeric: true }));
    return {
      tactics: MITRE_TACTICS.map((t) => ({
        ...t,
        url: tacticUrl(t.id),
        techniques: techniques.filter((x) => x.tactics.includes(t.shortName)).map((x) => x.id),
      })),
      techniques: techniques.map((t) => ({ id: t.id, name: t.name, tactics: t.tactics, url: techniqueUrl(t.id) })),
    };
  }

  countries(): CountryDto[] {
    return countries;
  }

  languages(): LanguageDto[] {
    return languages;
  }

  /**
   * YARA rules: with `name`, every known rule (bundled and administrators' sets) whose name contains
   * it; without, the rules that matched at least one report. Each with its author, meta and matches.
   */
  async yara(name?: string): Promise<YaraRuleDto[]> {
    const [known, counts] = await Promise.all([this.knownRules(), this.matchCounts()]);
    const needle = name?.trim().toLowerCase();
    const rules = needle ? known.filter((r) => r.name.toLowerCase().includes(needle)) : known.filter((r) => counts.has(r.name));
    const listed = rules.map((r) => ({ ...r, matches: counts.get(r.name) ?? 0 }));
    if (!needle) {
      // Rules that matched but are no longer loaded (a removed rule set) still appear, without meta.
      const names = new Set(known.map((r) => r.name));
      for (const [rule, matches] of counts) {
        if (!names.has(rule)) listed.push({ name: rule, ruleset: '', author: null, description: null, tags: [], mitre: [], matches });
      }
    }
    return listed.sort((a, b) => b.matches - a.matches || a.name.localeCompare(b.name));
  }

  async yaraAuthors(name?: string): Promise<YaraAuthorDto[]> {
    const byAuthor = new Map<string, YaraAuthorDto>();
    for (const rule of await this.yara(name)) {
      if (!rule.author) continue;
      const entry = byAuthor.get(rule.author) ?? { author: rule.author, rules: [], matches: 0 };
      entry.rules.push(rule.name);
      entry.matches += rule.matches;
      byAuthor.set(rule.author, entry);
    }
    return [...byAuthor.values()].sort((a, b) => b.matches - a.matches || a.author.localeCompare(b.author));
  }

  private async knownRules(): Promise<Omit<YaraRuleDto, 'matches'>[]> {
    const sets: { name: string; source: string; author: string }[] = await this.db.query('SELECT name, source, author FROM yara_rules WHERE enabled ORDER BY name');
    const all = [{ name: BUNDLED_NAMESPACE, source: bundledRuleSet().source, author: '' }, ...sets];
    return all.flatMap((set) =>
      yaraRules(set.source).map((r) => ({
        name: r.name,
        ruleset: set.name,
        author: r.meta.author ?? (set.author || null),
        description: r.meta.description ?? null,
        tags: r.tags,
        mitre: (r.meta.mitre ?? '').split(/[,\s]+/).filter((id) => /^T\d{4}(\.\d{3})?$/.test(id)),
      })),
    );
  }

  private async matchCounts(): Promise<Map<string, number>> {
    const rows: { rule: string; n: number }[] = await this.db.query('SELECT rule, count(*)::int AS n FROM reports, unnest(yara_rules) AS rule GROUP BY rule');
    return new Map(rows.map((r) => [r.rule, r.n]));
  }
}
