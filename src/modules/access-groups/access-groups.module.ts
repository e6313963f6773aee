import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AccessGroup } from './access-group.entity';
import { AccessGroupsController } from './access-groups.controller';
import { AccessGroupsService } from './access-groups.service';

@Module({
  imports: [TypeOrmModule.forFeature([AccessGroup])],
  controllers: [AccessGroupsController],
  providers: [AccessGroupsService],
  exports: [AccessGroupsService],
})
export class AccessGroupsModule {}
