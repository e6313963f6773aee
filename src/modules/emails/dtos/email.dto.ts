import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsEnum, IsIn, IsObject, IsOptional, IsUUID, ValidateIf } from 'class-validator';
import { PagedResponseDto } from '../../../common/http/pagination.dto';
import { ALL_USER_GROUPS, UserGroup } from '../../../common/access/user-group';
import { DeliveryState, EmailAudienceKind } from '../email.entity';
import { EMAIL_TEMPLATES } from '../email-templates';

export const MAX_EXPLICIT_RECIPIENTS = 1000;

export class TemplateVariableDto {
  @ApiProperty({ example: 'title' })
  name: string;

  @ApiProperty({ example: 'Subject line and heading' })
  description: string;

  @ApiProperty()
  required: boolean;

  @ApiProperty({ type: 'integer', example: 200 })
  max_length: number;

  @ApiProperty({ description: 'Filled in per recipient by the platform, not by the sender' })
  per_recipient: boolean;
}

export class EmailTemplateDto {
  @ApiProperty({ example: 'announcement', description: 'Pass it as `template` to `POST /api/admin/emails`' })
  id: string;

  @ApiProperty({ example: 'Announcement' })
  name: string;

  @ApiProperty()
  description: string;

  @ApiProperty({ type: [TemplateVariableDto] })
  variables: TemplateVariableDto[];

  @ApiProperty({ example: '{{title}}', description: 'Subject with `{{variable}}` placeholders' })
  subject: string;

  @ApiProperty({ description: 'Plain-text part with `{{variable}}` placeholders' })
  text: string;

  @ApiProperty({ description: 'HTML part with `{{variable}}` placeholders (values are HTML-escaped when rendered)' })
  html: string;
}

const AUDIENCE_DESCRIPTION =
  'Who receives the message, among active platform users only: `all_users`; `user_group` (every active member of `user_group`); ' +
  '`access_group` (every active member of `access_group_id`); `users` (the active users listed in `user_ids`). ' +
  'Messages go to the addresses of the accounts, never to addresses given in the request.';

export class SendEmailDto {
  @ApiProperty({ enum: EMAIL_TEMPLATES.map((t) => t.id), example: 'maintenance', description: 'A template of `GET /api/admin/emails/templates`' })
  @IsIn(EMAIL_TEMPLATES.map((t) => t.id), { message: `template must be one of: ${EMAIL_TEMPLATES.map((t) => t.id).join(', ')}` })
  template: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'string' },
    example: { start: '2026-12-06 20:00 UTC', end: '2026-12-06 22:00 UTC', details: 'The analysis engine is upgraded.' },
    description: "Values of the template's variables (text; HTML is escaped). Unknown names are refused.",
  })
  @IsOptional() @IsObject()
  variables?: Record<string, unknown>;

  @ApiProperty({ enum: EmailAudienceKind, enumName: 'EmailAudienceKind', description: AUDIENCE_DESCRIPTION })
  @IsEnum(EmailAudienceKind)
  recipients: EmailAudienceKind;

  @ApiPropertyOptional({ enum: UserGroup, enumName: 'UserGroup', description: 'With `recipients: user_group`' })
  @ValidateIf((o: SendEmailDto) => o.recipients === EmailAudienceKind.UserGroup || o.user_group !== undefined)
  @IsIn(ALL_USER_GROUPS, { message: `user_group must be one of: ${ALL_USER_GROUPS.join(', ')}` })
  user_group?: UserGroup;

  @ApiPropertyOptional({ format: 'uuid', description: 'With `recipients: access_group`' })
  @ValidateIf((o: SendEmailDto) => o.recipients === EmailAudienceKind.AccessGroup || o.access_group_id !== undefined)
  @IsUUID()
  access_group_id?: string;

  @ApiPropertyOptional({ type: [String], format: 'uuid', maxItems: MAX_EXPLICIT_RECIPIENTS, description: 'With `recipients: users`: user ids' })
  @ValidateIf((o: SendEmailDto) => o.recipients === EmailAudienceKind.Users || o.user_ids !== undefined)
  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(MAX_EXPLICIT_RECIPIENTS) @IsUUID('all', { each: true })
  user_ids?: string[];
}

export class EmailAudienceDto {
  @ApiProperty({ enum: EmailAudienceKind, enumName: 'EmailAudienceKind' })
  recipients: EmailAudienceKind;

  @ApiPropertyOptional({ enum: UserGroup, enumName: 'UserGroup' })
  user_group?: UserGroup;

  @ApiPropertyOptional({ format: 'uuid' })
  access_group_id?: string;

  @ApiPropertyOptional({ type: [String], format: 'uuid' })
  user_ids?: string[];
}

export class EmailDeliveryDto {
  @ApiProperty({ format: 'uuid', nullable: true, type: String, description: 'The recipient user (null once the user was removed)' })
  user_id: string | null;

  @ApiProperty({ example: 'analyst@example.com' })
  address: string;

  @ApiProperty({ enum: DeliveryState, enumName: 'EmailDeliveryState', description: '`queued` (waiting or retrying), `sent` (accepted by the SMTP server), `failed` (gave up: see last_error)' })
  state: DeliveryState;

  @ApiProperty({ type: 'integer', description: 'Tries so far' })
  attempts: number;

  @ApiProperty({ type: String, nullable: true, example: '550 5.1.1 mailbox unavailable', description: 'Why the last try failed' })
  last_error: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  sent_at: Date | null;
}

export class EmailCountsDto {
  @ApiProperty({ type: 'integer' })
  queued: number;

  @ApiProperty({ type: 'integer' })
  sent: number;

  @ApiProperty({ type: 'integer' })
  failed: number;
}

export class EmailDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ example: 'maintenance' })
  template: string;

  @ApiProperty({ example: 'Scheduled maintenance: 2026-12-06 20:00 UTC to 2026-12-06 22:00 UTC' })
  subject: string;

  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } })
  variables: Record<string, string>;

  @ApiProperty({ type: EmailAudienceDto })
  audience: EmailAudienceDto;

  @ApiProperty({ format: 'uuid', type: String, nullable: true, description: 'The administrator who queued it' })
  created_by: string | null;

  @ApiProperty({ type: String, format: 'date-time' })
  created_at: Date;

  @ApiProperty({ type: EmailCountsDto })
  counts: EmailCountsDto;

  @ApiProperty({ type: [EmailDeliveryDto], description: 'One per recipient, ordered by address' })
  deliveries: EmailDeliveryDto[];
}

export class EmailPageDto extends PagedResponseDto(EmailDto) {}
