import { ApiProperty } from '@nestjs/swagger';

export class SystemInfoDto {
  @ApiProperty({ example: 'sandbox-platform' })
  name: string;

  @ApiProperty({ example: 'API is working' })
  message: string;
}

export class VersionDto {
  @ApiProperty({ example: '0.1.0' })
  version: string;

  @ApiProperty({ example: 'v20.20.2' })
  node: string;
}
