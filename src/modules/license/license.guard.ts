import { CanActivate, ExecutionContext, ForbiddenException, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { LicenseService } from './license.service';
import { CONSUMES_USER_SEAT, LicenseFeature, REQUIRED_FEATURE } from './requires-feature.decorator';

/**
 * Global guard, registered after the AccessGuard (so an unauthenticated call is still 401 first).
 * Routes of a licensed feature (@RequiresFeature) answer 403 naming the feature unless the active,
 * unexpired license includes it; routes that add a user (@ConsumesUserSeat) answer 403 once the
 * license's user limit is reached. Routes with neither cost nothing: no I/O.
 */
@Injectable()
export class LicenseGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly licenses: LicenseService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    const feature = this.reflector.getAllAndOverride<LicenseFeature | undefined>(REQUIRED_FEATURE, targets);
    if (feature) {
      const refusal = await this.licenses.featureRefusal(feature);
      if (refusal) throw new ForbiddenException(refusal);
    }
    const seat = this.reflector.getAllAndOverride<'invitation' | 'registration' | undefined>(CONSUMES_USER_SEAT, targets);
    if (seat) await this.licenses.assertUserSeat(seat === 'invitation');
    return true;
  }
}
