import { Injectable, NotFoundException, StreamableFile } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { Principal } from '../../common/access/principal';
import { SampleNotFoundError, SampleStore } from '../../storage/sample-store';
import { AuditTrail } from '../audit/audit-trail';
import { encryptedZip } from './encrypted-zip';
import { whereVisible } from './report-visibility';
import { Report } from './report.entity';

/** Samples served to analysts: always inside a ZIP encrypted with the password `infected`. */
@Injectable()
export class SampleDownloadService {
  constructor(
    @InjectRepository(Report) private readonly reports: Repository<Report>,
    private readonly store: SampleStore,
  ) {}

  /**
   * The sample as an encrypted ZIP whose one entry is named by its SHA-256 (never the submitted
   * name, which may be hostile or revealing), when the caller may see at least one report of it.
   */
  async download(principal: Principal, sha256: string): Promise<StreamableFile> {
    const hash = sha256.toLowerCase();
    // IDX_reports_sha256, then the visibility of the few reports of that content.
    const report = await whereVisible(this.reports.createQueryBuilder('r').select(['r.id']).where('r.sha256 = :hash', { hash }), 'r', principal)
      .orderBy('r.createdAt', 'DESC')
      .limit(1)
      .getOne();
    if (!report) throw new NotFoundException('File not found');
    let content;
    try {
      content = await this.store.get(hash);
    } catch (err) {
      if (err instanceof SampleNotFoundError || (err as { code?: string })?.code === 'ENOENT') throw new NotFoundException('The file is no longer stored');
      throw err;
    }
    AuditTrail.describe({ targetType: 'sample', targetId: hash, details: { reportId: report.id } });
    return new StreamableFile(encryptedZip(hash, content), {
      type: 'application/zip',
      disposition: `attachment; filename="${hash}.zip"`,
    });
  }
}
