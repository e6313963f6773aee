import { Injectable, NotFoundException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { Report } from '../reports/report.entity';
import { Flow } from '../scan/flow.entity';
import { DebugReportsDto, DebugReportsQueryDto } from './dtos/debug-report.dto';

/** Stored rows exactly as they are, for administrators debugging the pipeline or a report. */
@Injectable()
export class DebugService {
  constructor(
    @InjectRepository(Flow) private readonly flows: Repository<Flow>,
    @InjectRepository(Report) private readonly reports: Repository<Report>,
  ) {}

  async reportsOf(query: DebugReportsQueryDto): Promise<DebugReportsDto> {
    // The password column is `select: false`: an archive password never leaves the database this way.
    const flow = await this.flows.findOneBy({ id: query.report_id });
    if (!flow) throw new NotFoundException(`No report ${query.report_id}`);
    const reports = await this.reports.find({
      where: { flowId: flow.id, ...(query.file_hash ? { sha256: query.file_hash.toLowerCase() } : {}) },
      order: { fileIndex: 'ASC' },
    });
    if (query.file_hash && !reports.length) throw new NotFoundException(`No file ${query.file_hash} in report ${query.report_id}`);
    return { flow: { ...flow }, reports: reports.map((r) => ({ ...r })) };
  }
}
