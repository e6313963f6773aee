import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, Repository } from 'typeorm';
import { Principal, UserPrincipal } from '../../common/access/principal';
import { UserGroup } from '../../common/access/user-group';
import { APP_CONFIG, AppConfig } from '../../config/app-config';
import type { ExportSubject } from '../../engine/exports/export-subject';
import type { ReportDocument } from '../reports/report-document';
import { canSee } from '../reports/report-visibility';
import { Report } from '../reports/report.entity';
import { descendants, ReportsService } from '../reports/reports.service';
import { APP_VERSION } from '../system/version';
import { User } from '../users/user.entity';

/**
 * What an export renders (ExportSubject): the report and the files extracted from it, at every
 * depth, that the caller may see — the same rule as every other report route, so an export never
 * shows more than `GET /api/reports/{id}/files` would.
 */
@Injectable()
export class ExportSubjectsService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectRepository(Report) private readonly reports: Repository<Report>,
    @InjectRepository(User) private readonly users: Repository<User>,
    private readonly reportsService: ReportsService,
  ) {}

  /** 404 (NotFoundException) when the report is not visible to `principal`. */
  async load(principal: Principal, reportId: string): Promise<ExportSubject> {
    const report = await this.reportsService.findVisible(principal, reportId);
    // The flow's tree without the report JSON, then the documents of the visible part below the report.
    const tree = await this.reports.find({
      select: { id: true, parentId: true, isPrivate: true, ownerId: true, accessGroupId: true, fileIndex: true },
      where: { flowId: report.flowId },
      order: { fileIndex: 'ASC' },
    });
    const below = descendants(tree, report.id);
    const wanted = [report.id, ...tree.filter((r) => below.has(r.id) && canSee(principal, r)).map((r) => r.id)];
    const rows = await this.reports.find({ select: { id: true, fileIndex: true, data: true }, where: { id: In(wanted) }, order: { fileIndex: 'ASC' } });
    const self = rows.find((r) => r.id === report.id);
    return {
      report: (self?.data ?? {}) as unknown as ReportDocument,
      descendants: rows.filter((r) => r.id !== report.id).map((r) => r.data as unknown as ReportDocument),
      isPrivate: report.isPrivate,
      generatedAt: new Date(),
      producer: { name: `Sandbox platform ${APP_VERSION}`, ...(this.config.feeds?.baseUrl ? { url: this.config.feeds.baseUrl } : {}) },
    };
  }

  /**
   * The user a background generation runs for, with their rights as they are now (not as they were
   * when it was started); null when the account is gone or deactivated.
   */
  async principalOf(userId: string): Promise<UserPrincipal | null> {
    const user = await this.users.findOne({ select: { id: true, email: true, groups: true, accessGroupId: true, isActive: true }, where: { id: userId } });
    if (!user || !user.isActive) return null;
    return { kind: 'user', id: user.id, email: user.email, groups: user.groups as UserGroup[], accessGroupId: user.accessGroupId ?? null, via: 'api-key' };
  }
}
