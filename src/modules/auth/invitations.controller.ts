import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiConflictResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags, ApiUnprocessableEntityResponse } from '@nestjs/swagger';
import { Access } from '../../common/access/access.decorator';
import { CurrentUser } from '../../common/access/current-principal.decorator';
import { UserPrincipal } from '../../common/access/principal';
import { ErrorResponseDto } from '../../common/errors/error-response.dto';
import { Audited } from '../audit/audited.decorator';
import { ConsumesUserSeat } from '../license/requires-feature.decorator';
import { CreateInvitationDto, InvitationDto } from './dtos/invitation.dto';
import { InvitationsService } from './invitations.service';

@ApiTags('Admin')
@Controller('api/admin')
export class InvitationsController {
  constructor(private readonly invitations: InvitationsService) {}

  @Post('invite')
  @HttpCode(200)
  @Access.admin()
  @Audited('invitation.create')
  @ConsumesUserSeat('invitation')
  @ApiOperation({
    summary: 'Generate invite token',
    description:
      'Invites a person by email: the single-use token lets them register at POST /api/auth/register, with the given user groups ' +
      '(default `user`) and access group, until it expires (INVITE_TTL). The token is shown only in this response.',
  })
  @ApiOkResponse({ type: InvitationDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No access group has the given id' })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'A user with this email is already registered' })
  @ApiUnprocessableEntityResponse({ type: ErrorResponseDto })
  invite(@CurrentUser() actor: UserPrincipal, @Body() dto: CreateInvitationDto): Promise<InvitationDto> {
    return this.invitations.create(actor, dto);
  }
}
