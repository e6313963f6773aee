import { Global, Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { PrincipalResolver } from '../../common/access/principal';
import { Secrets } from '../../common/security/secrets';
import { AccessGroupsModule } from '../access-groups/access-groups.module';
import { QuotasModule } from '../quotas/quotas.module';
import { UsersModule } from '../users/users.module';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { InvitationsController } from './invitations.controller';
import { InvitationsService } from './invitations.service';
import { LoginThrottleService } from './login-throttle.service';

@Global()
@Module({
  imports: [
    UsersModule,
    QuotasModule,
    AccessGroupsModule,
    JwtModule.registerAsync({
      inject: [Secrets],
      useFactory: (secrets: Secrets) => ({ secret: secrets.key('jwt'), signOptions: { algorithm: 'HS256' } }),
    }),
  ],
  controllers: [AuthController, InvitationsController],
  providers: [AuthService, LoginThrottleService, InvitationsService, { provide: PrincipalResolver, useExisting: AuthService }],
  exports: [PrincipalResolver, AuthService],
})
export class AuthModule {}
