import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AccessGroup } from '../access-groups/access-group.entity';
import { User } from '../users/user.entity';
import { EmailDeliveryProcessor } from './email-delivery.processor';
import { Email, EmailDelivery } from './email.entity';
import { EmailsController } from './emails.controller';
import { EmailsService } from './emails.service';
import { Mailer } from './mailer';

/** Mass e-mails to platform users over SMTP, sent through the job queue. */
@Module({
  imports: [TypeOrmModule.forFeature([Email, EmailDelivery, User, AccessGroup])],
  controllers: [EmailsController],
  providers: [Mailer, EmailsService, EmailDeliveryProcessor],
})
export class EmailsModule {}
