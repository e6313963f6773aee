import { AccessGroup } from '../modules/access-groups/access-group.entity';
import { AuditLog } from '../modules/audit/audit-log.entity';
import { Invitation } from '../modules/auth/invitation.entity';
import { ApiQuota } from '../modules/quotas/api-quota.entity';
import { RateCounter } from '../modules/quotas/rate-counter.entity';
import { Healthcheck } from '../modules/system/healthcheck.entity';
import { User } from '../modules/users/user.entity';
import { ReportIoc } from '../modules/reports/report-ioc.entity';
import { Report } from '../modules/reports/report.entity';
import { Flow } from '../modules/scan/flow.entity';
import { ScanProfile } from '../modules/scan/scan-profile.entity';
import { YaraRuleSet } from '../modules/yara/yara-rule.entity';
import { Sample } from '../storage/sample.entity';

/** Every entity, listed explicitly: no globbing, so the build and the tests see the same set. */
export const ENTITIES = [AccessGroup, AuditLog, Invitation, ApiQuota, RateCounter, User, Healthcheck, Sample, Flow, Report, ReportIoc, ScanProfile, YaraRuleSet];
