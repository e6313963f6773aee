import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags, ApiUnprocessableEntityResponse } from '@nestjs/swagger';
import { Access } from '../../common/access/access.decorator';
import { ErrorResponseDto } from '../../common/errors/error-response.dto';
import { AuditService } from './audit.service';
import { AuditLogPageDto, AuditLogQueryDto, ChainVerificationDto } from './dtos/audit-log.dto';

@ApiTags('Admin')
@Controller('api/admin/audit-logs')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get()
  @Access.adminRead()
  @ApiOperation({ summary: 'Get audit logs', description: 'Audit records, newest first, filtered by actor, action, outcome, target and time.' })
  @ApiOkResponse({ type: AuditLogPageDto })
  @ApiUnprocessableEntityResponse({ type: ErrorResponseDto })
  list(@Query() query: AuditLogQueryDto): Promise<AuditLogPageDto> {
    return this.audit.list(query);
  }

  @Get('verify')
  @Access.adminRead()
  @ApiOperation({
    summary: 'Verify the audit chain',
    description: 'Recomputes every record\'s hash in order and reports the first record that was altered, or whose predecessor was removed.',
  })
  @ApiOkResponse({ type: ChainVerificationDto })
  verify(): Promise<ChainVerificationDto> {
    return this.audit.verify();
  }
}
