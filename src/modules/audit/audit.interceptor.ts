import { CallHandler, ExecutionContext, HttpException, Injectable, NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { Observable, from, mergeMap, catchError } from 'rxjs';
import { AppRequest } from '../../common/access/principal';
import { AuditOutcome } from './audit-log.entity';
import { AuditService } from './audit.service';
import { AuditDetails, AuditTrail } from './audit-trail';
import { AUDITED } from './audited.decorator';

/**
 * Writes one audit record for every call of a route marked @Audited, after the handler finishes and
 * before the response leaves, with what the service described through AuditTrail.
 */
@Injectable()
export class AuditInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly audit: AuditService,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const action = this.reflector.get<string | undefined>(AUDITED, context.getHandler());
    if (!action) return next.handle();
    const request = context.switchToHttp().getRequest<AppRequest & { params?: Record<string, string> }>();
    const trail: AuditDetails = {};
    const write = (outcome: AuditOutcome, status: number) => {
      const principal = request.principal;
      const actor = trail.actor !== undefined ? trail.actor : principal?.kind === 'user' ? { id: principal.id, email: principal.email } : null;
      const params = request.params && Object.keys(request.params).length ? request.params : undefined;
      return this.audit.record({
        action,
        outcome,
        actor,
        actorIp: request.ip,
        targetType: trail.targetType,
        targetId: trail.targetId ?? (params ? Object.values(params)[0] : undefined),
        before: trail.before,
        after: trail.after,
        details: { method: request.method, path: request.routeOptions?.url ?? request.url, status, ...trail.details },
      });
    };
    // Subscribe inside the trail's scope so the handler (run on subscription) sees it.
    return new Observable((subscriber) =>
      AuditTrail.run(trail, () =>
        next
          .handle()
          .pipe(
            mergeMap((result) => from(write(AuditOutcome.Success, 200).then(() => result))),
            catchError((err: unknown) => from(write(AuditOutcome.Failure, err instanceof HttpException ? err.getStatus() : 500).then(() => Promise.reject(err)))),
          )
          .subscribe(subscriber),
      ),
    );
  }
}
