import { CallHandler, ExecutionContext, HttpException, HttpStatus, Injectable, NestInterceptor } from '@nestjs/common';
import { HTTP_CODE_METADATA } from '@nestjs/common/constants';
import { Reflector } from '@nestjs/core';
import { Observable, from, mergeMap, catchError } from 'rxjs';
import { AccessDeniedListener, AppRequest } from '../../common/access/principal';
import { AuditOutcome } from './audit-log.entity';
import { AuditEntry, AuditService } from './audit.service';
import { AuditDetails, AuditTrail } from './audit-trail';
import { AUDITED } from './audited.decorator';

type RoutedRequest = AppRequest & { params?: Record<string, string> };

/** The audit record of one call of an audited route. */
function callEntry(action: string, request: RoutedRequest, trail: AuditDetails, outcome: AuditOutcome, status: number): AuditEntry {
  const principal = request.principal;
  const actor = trail.actor !== undefined ? trail.actor : principal?.kind === 'user' ? { id: principal.id, email: principal.email } : null;
  const params = request.params && Object.keys(request.params).length ? request.params : undefined;
  return {
    action,
    outcome,
    actor,
    actorIp: request.ip,
    targetType: trail.targetType,
    targetId: trail.targetId ?? (params ? Object.values(params)[0] : undefined),
    before: trail.before,
    after: trail.after,
    details: { method: request.method, path: request.routeOptions?.url ?? request.url, status, ...trail.details },
  };
}

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
    const handler = context.getHandler();
    const action = this.reflector.get<string | undefined>(AUDITED, handler);
    if (!action) return next.handle();
    const request = context.switchToHttp().getRequest<RoutedRequest>();
    const trail: AuditDetails = {};
    const successStatus: number = this.reflector.get(HTTP_CODE_METADATA, handler) ?? (request.method === 'POST' ? HttpStatus.CREATED : HttpStatus.OK);
    const write = (outcome: AuditOutcome, status: number) => this.audit.record(callEntry(action, request, trail, outcome, status));
    // Subscribe inside the trail's scope so the handler (run on subscription) sees it.
    return new Observable((subscriber) =>
      AuditTrail.run(trail, () =>
        next
          .handle()
          .pipe(
            mergeMap((result) => from(write(AuditOutcome.Success, successStatus).then(() => result))),
            catchError((err: unknown) => from(write(AuditOutcome.Failure, err instanceof HttpException ? err.getStatus() : 500).then(() => Promise.reject(err)))),
          )
          .subscribe(subscriber),
      ),
    );
  }
}

/** Records calls to audited routes that the access guard refused (they never reach the interceptor). */
@Injectable()
export class AuditAccessDeniedListener extends AccessDeniedListener {
  constructor(
    private readonly reflector: Reflector,
    private readonly audit: AuditService,
  ) {
    super();
  }

  async denied(request: RoutedRequest, handler: Function, status: number, reason: string): Promise<void> {
    const action = this.reflector.get<string | undefined>(AUDITED, handler);
    if (action) await this.audit.record(callEntry(action, request, { details: { reason } }, AuditOutcome.Failure, status));
  }
}
