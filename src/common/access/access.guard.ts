import { CanActivate, ExecutionContext, ForbiddenException, HttpException, Injectable, Logger, Optional, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ACCESS_RULE, AccessRule } from './access.decorator';
import { AccessDeniedListener, AppRequest, PrincipalResolver } from './principal';

/**
 * Global guard. Denies by default: a route without an @Access declaration is refused to everyone.
 * Otherwise it resolves the caller (JWT or X-Api-Key, else guest) and applies the route's rule.
 */
@Injectable()
export class AccessGuard implements CanActivate {
  private readonly logger = new Logger(AccessGuard.name);

  constructor(
    private readonly reflector: Reflector,
    private readonly principals: PrincipalResolver,
    @Optional() private readonly denials?: AccessDeniedListener,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    try {
      return await this.check(context);
    } catch (err) {
      if (this.denials && err instanceof HttpException && [401, 403].includes(err.getStatus())) {
        await this.denials.denied(context.switchToHttp().getRequest<AppRequest>(), context.getHandler(), err.getStatus(), err.message);
      }
      throw err;
    }
  }

  private async check(context: ExecutionContext): Promise<boolean> {
    const rule = this.reflector.getAllAndOverride<AccessRule | undefined>(ACCESS_RULE, [context.getHandler(), context.getClass()]);
    const request = context.switchToHttp().getRequest<AppRequest>();
    if (!rule) {
      this.logger.error(`Refused ${request.method} ${request.url}: the route has no @Access declaration`);
      throw new ForbiddenException('This route is not open to anyone');
    }
    const principal = await this.principals.resolve(request);
    request.principal = principal;
    if (rule.public) return true;
    if (principal.kind !== 'user') throw new UnauthorizedException('Authentication required: send a Bearer token or an X-Api-Key header');
    if (rule.groups === 'any' || rule.groups.some((g) => principal.groups.includes(g))) return true;
    throw new ForbiddenException(`Requires one of the user groups: ${rule.groups.join(', ')}`);
  }
}
