import { AccessGroup } from '../modules/access-groups/access-group.entity';
import { AuditLog } from '../modules/audit/audit-log.entity';
import { Invitation } from '../modules/auth/invitation.entity';
import { ApiQuota } from '../modules/quotas/api-quota.entity';
import { RateCounter } from '../modules/quotas/rate-counter.entity';
import { Healthcheck } from '../modules/system/healthcheck.entity';
import { Deployment } from '../modules/license/deployment.entity';
import { License } from '../modules/license/license.entity';
import { NewsItem, NewsView } from '../modules/catalog/news.entity';
import { Logo, LogoSelection } from '../modules/catalog/logo.entity';
import { User } from '../modules/users/user.entity';
import { ReportIoc } from '../modules/reports/report-ioc.entity';
import { Report } from '../modules/reports/report.entity';
import { Flow } from '../modules/scan/flow.entity';
import { ScanProfile } from '../modules/scan/scan-profile.entity';
import { YaraRuleSet } from '../modules/yara/yara-rule.entity';
import { Sample } from '../storage/sample.entity';
import { FeedArchive } from '../modules/feeds/feed-archive.entity';
import { Email, EmailDelivery } from '../modules/emails/email.entity';
import { ScanSource, ScanSourceFile, ScanSourceSubjob } from '../modules/scan-sources/scan-source.entity';

import { JobRun } from '../modules/jobs/job-run.entity';
import { ScheduledJobRecord } from '../modules/jobs/scheduled-job.entity';
import { SettingRecord } from '../modules/settings/setting.entity';
import { PlatformProcess } from '../modules/admin-stats/platform-process.entity';
import { ReportDownload } from '../modules/exports/report-download.entity';
import { ReportSsdeepGram, ReportTlshGram } from '../modules/threatintel/similarity-index.entity';
import { ReportVerdictChange } from '../modules/threatintel/report-verdict-change.entity';
import { ReportDailyStat, ReportStatsDirtyDay } from '../modules/stats/report-daily-stat.entity';
import { AppError } from '../modules/errors/app-error.entity';
import { LogRecord } from '../modules/logs/log-record.entity';
import { AuthServiceConfig } from '../modules/auth-services/auth-service.entity';
import { ExternalTokensSecret } from '../modules/admin-config/external-tokens-secret.entity';

/** Every entity, listed explicitly: no globbing, so the build and the tests see the same set. */
export const ENTITIES = [AccessGroup, AuditLog, Invitation, ApiQuota, RateCounter, User, Healthcheck, Sample, Flow, Report, ReportIoc, ScanProfile, YaraRuleSet, Email, EmailDelivery, ScanSource, ScanSourceSubjob, ScanSourceFile, FeedArchive, ScheduledJobRecord, JobRun, SettingRecord, PlatformProcess, ReportDownload, Deployment, License, NewsItem, NewsView, Logo, LogoSelection, ReportSsdeepGram, ReportTlshGram, ReportVerdictChange, ReportDailyStat, ReportStatsDirtyDay, AppError, LogRecord, AuthServiceConfig, ExternalTokensSecret];
