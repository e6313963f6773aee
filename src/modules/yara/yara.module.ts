import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { YaraRuleSet } from './yara-rule.entity';
import { YaraRulesController } from './yara-rules.controller';
import { YaraRulesService } from './yara-rules.service';

/** Administrators' YARA rule sets; the engine reads the enabled ones through YaraRulesService. */
@Module({
  imports: [TypeOrmModule.forFeature([YaraRuleSet])],
  controllers: [YaraRulesController],
  providers: [YaraRulesService],
  exports: [YaraRulesService],
})
export class YaraModule {}
