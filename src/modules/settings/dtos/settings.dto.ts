import { ApiProperty, getSchemaPath } from '@nestjs/swagger';
import { GeneralSettingsDto, RetentionSettingsDto, ScanSettingsDto, SETTINGS_GROUP_NAMES, SettingsGroupName } from '../settings-groups';

export const SETTINGS_VALUES_SCHEMA = {
  oneOf: [GeneralSettingsDto, RetentionSettingsDto, ScanSettingsDto].map((c) => ({ $ref: getSchemaPath(c) })),
};

export class SettingsGroupDto {
  @ApiProperty({ enum: SETTINGS_GROUP_NAMES, enumName: 'SettingsGroup', example: 'retention' })
  group: SettingsGroupName;

  @ApiProperty({ ...SETTINGS_VALUES_SCHEMA, description: 'Every setting of the group: saved values, defaults for the rest' })
  values: Record<string, unknown>;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'Null while the group has never been saved (all defaults)' })
  updated_at: Date | null;

  @ApiProperty({ type: String, format: 'uuid', nullable: true })
  updated_by: string | null;
}
