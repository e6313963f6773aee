import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../../config/app-config';
import { YaraFeedInfoDto } from './dtos/feed.dto';
import { FeedSourcesRepository } from './feed-sources.repository';
import { GeneratedRules, generateYaraRules, YaraSource } from './yara-feed';

const DAY_MS = 86_400_000;

/** YARA rules for the public MALICIOUS reports of the last FEED_YARA_DAYS days (verdicts as they are now). */
@Injectable()
export class YaraFeedService {
  constructor(
    private readonly sources: FeedSourcesRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async rules(requestBase: string): Promise<GeneratedRules> {
    return (await this.build(requestBase)).rules;
  }

  async info(requestBase: string): Promise<YaraFeedInfoDto> {
    const { rows, rules } = await this.build(requestBase);
    return {
      rules: rules.hashRules + rules.imphashRules,
      hash_rules: rules.hashRules,
      imphash_rules: rules.imphashRules,
      reports: rules.reports,
      window_days: this.config.feeds.yaraDays,
      newest_report_date: rows[0]?.created_at.toISOString() ?? null,
      oldest_report_date: rows[rows.length - 1]?.created_at.toISOString() ?? null,
      sha256: rules.sha256,
    };
  }

  private async build(requestBase: string): Promise<{ rows: YaraSource[]; rules: GeneratedRules }> {
    const days = this.config.feeds.yaraDays;
    const rows = await this.sources.malicious(new Date(Date.now() - days * DAY_MS), null);
    const rules = generateYaraRules(rows, {
      title: `Sandbox YARA feed: files of malicious public reports of the last ${days} days`,
      baseUrl: this.config.feeds.baseUrl ?? requestBase,
    });
    return { rows, rules };
  }
}
