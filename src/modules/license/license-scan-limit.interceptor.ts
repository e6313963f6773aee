import { CallHandler, ExecutionContext, Injectable, Logger, NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { catchError, from, Observable, switchMap, throwError } from 'rxjs';
import { TooManyRequestsException } from '../../common/errors/too-many-requests.exception';
import { QuotaResource } from '../quotas/api-quota.entity';
import { MeteredResource, QUOTA_RESOURCES } from '../quotas/quota-resource.decorator';
import { RateCounterService } from '../quotas/rate-counter.service';
import { DAY_SECONDS, LICENSE_SCANS_BUCKET, LicenseService } from './license.service';

/**
 * Enforces the license's `scansPerDay` on every scan submission route: the routes marked
 * @QuotaResource(QuotaResource.Scan), so a new submission route is counted by being metered.
 *
 * One atomic counter in PostgreSQL per UTC day, shared by every API process. A submission that then
 * fails (invalid form, quota refusal, queue down) is taken back: only accepted scans count. Over the
 * limit: 429 with Retry-After (seconds to 00:00 UTC), because the limit resets by itself; clients
 * already back off on 429. Without an active license nothing is counted (the core is unlimited).
 */
@Injectable()
export class LicenseScanLimitInterceptor implements NestInterceptor {
  private readonly logger = new Logger(LicenseScanLimitInterceptor.name);

  constructor(
    private readonly reflector: Reflector,
    private readonly licenses: LicenseService,
    private readonly counters: RateCounterService,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const resources = this.reflector.getAllAndOverride<MeteredResource[] | undefined>(QUOTA_RESOURCES, [context.getHandler(), context.getClass()]);
    if (!resources?.includes(QuotaResource.Scan)) return next.handle();
    return from(this.count()).pipe(
      switchMap((windowStart) =>
        windowStart === null
          ? next.handle()
          : next.handle().pipe(
              catchError((err: unknown) =>
                from(this.counters.release(LICENSE_SCANS_BUCKET, windowStart).catch((e: unknown) => this.logger.warn({ err: e }, 'Could not take back a licensed scan'))).pipe(
                  switchMap(() => throwError(() => err)),
                ),
              ),
            ),
      ),
    );
  }

  /** Counts the submission; the window to release it from, null when nothing was counted. */
  private async count(): Promise<Date | null> {
    const limit = (await this.licenses.limits())?.scansPerDay;
    if (limit === null || limit === undefined) return null;
    const state = await this.counters.hit(LICENSE_SCANS_BUCKET, DAY_SECONDS, limit);
    if (state.allowed) return state.windowStart;
    const reset = Math.max(1, Math.ceil((state.resetAt.getTime() - Date.now()) / 1000));
    throw new TooManyRequestsException(
      `The license allows ${limit} scan${limit === 1 ? '' : 's'} per day and today's are used up; the count resets at 00:00 UTC (in ${reset} s)`,
      { 'Retry-After': String(reset) },
    );
  }
}
