import { Controller, Delete, Get, Param, ParseUUIDPipe, Query } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags, ApiUnprocessableEntityResponse } from '@nestjs/swagger';
import { Access } from '../../common/access/access.decorator';
import { CurrentUser } from '../../common/access/current-principal.decorator';
import { UserPrincipal } from '../../common/access/principal';
import { ErrorResponseDto } from '../../common/errors/error-response.dto';
import { Audited } from '../audit/audited.decorator';
import { ReportPageDto } from './dtos/report.dto';
import { ListReportsQueryDto } from './dtos/report-query.dto';
import { reportId } from './reports.controller';
import { ReportsService } from './reports.service';

@ApiTags('Admin')
@Controller('api/admin')
export class AdminReportsController {
  constructor(private readonly reports: ReportsService) {}

  @Delete('reports/:report_id')
  @Access.admin()
  @Audited('report.delete')
  @ApiOperation({
    summary: 'Delete report',
    deprecated: true,
    description: 'Deprecated: use `DELETE /api/users/reports/{report_id}`, which administrators may call for any report.',
  })
  @ApiOkResponse({ description: 'Deleted' })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No report has this id' })
  @ApiUnprocessableEntityResponse({ type: ErrorResponseDto, description: 'report_id is not a UUID' })
  remove(@CurrentUser() admin: UserPrincipal, @Param('report_id', reportId()) id: string): Promise<void> {
    return this.reports.remove(admin, id);
  }

  @Get('users/:user_id/uploads')
  @Access.adminRead()
  @ApiOperation({ summary: 'Get user uploads', description: "A user's submissions, private ones included, newest first, as summaries." })
  @ApiOkResponse({ type: ReportPageDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No user has this id' })
  @ApiUnprocessableEntityResponse({ type: ErrorResponseDto, description: 'user_id is not a UUID, or a bad filter' })
  uploads(@Param('user_id', new ParseUUIDPipe({ errorHttpStatusCode: 422 })) userId: string, @Query() query: ListReportsQueryDto): Promise<ReportPageDto> {
    return this.reports.listOfUser(userId, query);
  }
}
