import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiConflictResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags, ApiUnprocessableEntityResponse } from '@nestjs/swagger';
import { Access } from '../../common/access/access.decorator';
import { CurrentUser } from '../../common/access/current-principal.decorator';
import { UserPrincipal } from '../../common/access/principal';
import { ErrorResponseDto } from '../../common/errors/error-response.dto';
import { Audited } from '../audit/audited.decorator';
import { SaveScanProfileDto, ScanProfileDto } from './dtos/scan-profile.dto';
import { ScanProfilesService } from './scan-profiles.service';

@ApiTags('Scan')
@Controller('api/scan/profiles')
export class ScanProfilesController {
  constructor(private readonly profiles: ScanProfilesService) {}

  @Get()
  @Access.authenticated()
  @ApiOperation({ summary: 'Get scan profiles', description: 'Your saved scan profiles, by name.' })
  @ApiOkResponse({ type: ScanProfileDto, isArray: true })
  list(@CurrentUser() user: UserPrincipal): Promise<ScanProfileDto[]> {
    return this.profiles.list(user.id);
  }

  @Post()
  @HttpCode(200)
  @Access.authenticated()
  @Audited('scan.profile.save')
  @ApiOperation({
    summary: 'Save scan profile',
    description:
      'Adds or edits one of your scan profiles: a name and the options it sets (the option names of `POST /api/scan/file`, plus `is_private`). ' +
      'With `id` that profile is edited (and may be renamed); without, the profile with this name is edited, or created. ' +
      'Submit with `scan_profile=<id or name>` to apply it; the fields of the submission override it.',
  })
  @ApiOkResponse({ type: ScanProfileDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'You have no profile with this id' })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'You already have another profile with this name' })
  @ApiUnprocessableEntityResponse({ type: ErrorResponseDto })
  save(@CurrentUser() user: UserPrincipal, @Body() dto: SaveScanProfileDto): Promise<ScanProfileDto> {
    return this.profiles.save(user.id, dto);
  }

  @Delete(':profile_id')
  @Access.authenticated()
  @Audited('scan.profile.remove')
  @ApiOperation({ summary: 'Remove scan profile', description: 'Removes one of your scan profiles. Flows submitted with it keep their options.' })
  @ApiOkResponse({ description: 'Removed' })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'You have no profile with this id' })
  @ApiUnprocessableEntityResponse({ type: ErrorResponseDto, description: 'profile_id is not a UUID' })
  remove(@CurrentUser() user: UserPrincipal, @Param('profile_id', new ParseUUIDPipe({ errorHttpStatusCode: 422 })) id: string): Promise<void> {
    return this.profiles.remove(user.id, id);
  }
}
