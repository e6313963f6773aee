import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { SettingRecord } from './setting.entity';
import { SettingsController } from './settings.controller';
import { SettingsService } from './settings.service';

/** Typed admin settings groups (`/api/admin/settings/{group}`); inject SettingsService to read them. */
@Global()
@Module({
  imports: [TypeOrmModule.forFeature([SettingRecord])],
  controllers: [SettingsController],
  providers: [SettingsService],
  exports: [SettingsService],
})
export class SettingsModule {}
