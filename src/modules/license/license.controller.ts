import { Body, Controller, Delete, Get, HttpCode, Post, Query, Req, Res } from '@nestjs/common';
import {
  ApiBadGatewayResponse,
  ApiBadRequestResponse,
  ApiBody,
  ApiConsumes,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiPayloadTooLargeResponse,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Access } from '../../common/access/access.decorator';
import { CurrentUser } from '../../common/access/current-principal.decorator';
import { UserPrincipal } from '../../common/access/principal';
import { ErrorResponseDto } from '../../common/errors/error-response.dto';
import { Audited } from '../audit/audited.decorator';
import { closingUnreadBody } from '../scan/multipart-submission';
import { ActivateOfflineFormDto, ActivateOnlineDto, DeactivateLicenseQueryDto, LicenseInfoDto } from './dtos/license.dto';
import { LicenseService } from './license.service';

const REFUSED =
  'The license is refused, with the reason: its signature does not verify (altered, or not from this platform\'s vendor), it has expired, ' +
  'it is not valid yet, or it was issued for another deployment id';

@ApiTags('System')
@Controller('api/system/license')
export class LicenseController {
  constructor(private readonly licenses: LicenseService) {}

  @Get()
  @Access.authenticated()
  @ApiOperation({
    summary: 'Check license info',
    description:
      'The license in force: status (`active`, `expired`, `invalid`, `none`), customer, validity, licensed features and limits, today\'s use, ' +
      'and this installation\'s deployment id (what a license is issued for).',
  })
  @ApiOkResponse({ type: LicenseInfoDto })
  info(): Promise<LicenseInfoDto> {
    return this.licenses.info();
  }

  @Post('activate/online')
  @HttpCode(200)
  @Access.admin()
  @Audited('license.activate.online')
  @ApiOperation({
    summary: 'Activate license online',
    description:
      'Sends the license key and this deployment\'s id to the activation server (LICENSE_ACTIVATION_URL), which answers the signed license; ' +
      'it is verified like an uploaded file and replaces the active license. The key itself is not stored.',
  })
  @ApiOkResponse({ type: LicenseInfoDto, description: 'The license now in force' })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'Online activation is not configured, or the activation server refused the key (its reason is quoted)' })
  @ApiBadGatewayResponse({ type: ErrorResponseDto, description: 'The activation server is unreachable, failed, or answered a license that does not verify' })
  @ApiUnprocessableEntityResponse({ type: ErrorResponseDto })
  activateOnline(@CurrentUser() actor: UserPrincipal, @Body() dto: ActivateOnlineDto): Promise<LicenseInfoDto> {
    return this.licenses.activateOnline(actor, dto.license_key);
  }

  @Post('activate/offline')
  @HttpCode(200)
  @Access.admin()
  @Audited('license.activate.offline')
  @ApiOperation({
    summary: 'Activate license offline',
    description:
      'Activates a license file from the vendor: multipart/form-data with the file in the field `file`, or the file\'s JSON as an application/json body. ' +
      'The signature, validity dates and deployment id are checked; the license replaces the active one.',
  })
  @ApiConsumes('multipart/form-data', 'application/json')
  @ApiBody({ type: ActivateOfflineFormDto })
  @ApiOkResponse({ type: LicenseInfoDto, description: 'The license now in force' })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: REFUSED })
  @ApiPayloadTooLargeResponse({ type: ErrorResponseDto, description: 'The file is larger than 64 KiB' })
  @ApiUnprocessableEntityResponse({ type: ErrorResponseDto, description: 'No file, or the file is not a license file (which field is wrong is said)' })
  activateOffline(@CurrentUser() actor: UserPrincipal, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<LicenseInfoDto> {
    return closingUnreadBody(request, reply, () => this.licenses.activateOfflineRequest(actor, request));
  }

  @Delete('deactivate')
  @Access.admin()
  @Audited('license.deactivate')
  @ApiOperation({
    summary: 'Deactivate license',
    description: 'Ends the active license: licensed features are refused from now on (on other API processes within 5 s); reports stay readable.',
  })
  @ApiOkResponse({ description: 'Deactivated' })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No license is active, or `license_id` is not the active one' })
  @ApiUnprocessableEntityResponse({ type: ErrorResponseDto })
  deactivate(@CurrentUser() actor: UserPrincipal, @Query() query: DeactivateLicenseQueryDto): Promise<void> {
    return this.licenses.deactivate(actor, query.license_id);
  }
}
