import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import { AppRequest, GUEST, Principal, UserPrincipal } from './principal';

/** The caller as resolved by the AccessGuard (GUEST on public routes without credentials). */
export const CurrentPrincipal = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): Principal => ctx.switchToHttp().getRequest<AppRequest>().principal ?? GUEST,
);

/** The signed-in user; use only on routes that require authentication. */
export const CurrentUser = createParamDecorator((_: unknown, ctx: ExecutionContext): UserPrincipal => {
  const principal = ctx.switchToHttp().getRequest<AppRequest>().principal;
  if (principal?.kind !== 'user') throw new Error('CurrentUser used on a route that admits guests');
  return principal;
});
