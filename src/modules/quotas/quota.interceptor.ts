import { CallHandler, ExecutionContext, Injectable, Logger, NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply } from 'fastify';
import { from, Observable, switchMap } from 'rxjs';
import { AppRequest, GUEST } from '../../common/access/principal';
import { TooManyRequestsException } from '../../common/errors/too-many-requests.exception';
import { QuotaResource } from './api-quota.entity';
import { MeteredResource, QUOTA_RESOURCES } from './quota-resource.decorator';
import { AppliedQuota, QuotaIndex } from './quota-rules';
import { QuotaService } from './quota.service';
import { CounterState, RateCounterService } from './rate-counter.service';

interface Counted {
  quota: AppliedQuota;
  state: CounterState;
}

const secondsUntil = (date: Date, now = Date.now()) => Math.max(0, Math.ceil((date.getTime() - now) / 1000));

/**
 * Global interceptor enforcing API quotas. It runs after the AccessGuard, so the caller is known.
 * Every call consumes `api`; routes marked @QuotaResource also consume their resources.
 *
 * Each applicable rule is counted with one atomic statement in PostgreSQL (RateCounterService.hit),
 * so the counts are exact under any concurrency and across API processes. The rules are hit one by
 * one, tightest first; when one refuses, the hits already made for this call are taken back, so a
 * refused call is counted by no rule. Between such a hit and its release another call may see the
 * counter one higher than it ends up: at worst that call is refused although it would just fit.
 *
 * With no quota configured the interceptor does no I/O (the rules are cached in memory).
 */
@Injectable()
export class QuotaInterceptor implements NestInterceptor {
  private readonly logger = new Logger(QuotaInterceptor.name);

  constructor(
    private readonly reflector: Reflector,
    private readonly quotas: QuotaService,
    private readonly counters: RateCounterService,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const cached = this.quotas.cachedIndex();
    if (cached?.empty) return next.handle();
    return from(this.enforce(context, cached)).pipe(switchMap(() => next.handle()));
  }

  private async enforce(context: ExecutionContext, cached: QuotaIndex | undefined): Promise<void> {
    const index = cached ?? (await this.quotas.index());
    if (index.empty) return;
    const http = context.switchToHttp();
    const request = http.getRequest<AppRequest>();
    const applied = index.applicable(request.principal ?? GUEST, request.ip, this.resourcesOf(context));
    if (!applied.length) return;

    const counted: Counted[] = [];
    for (const quota of applied) {
      let state: CounterState;
      try {
        state = await this.counters.hit(quota.bucket, quota.windowSeconds, quota.rule.limit);
      } catch (err) {
        await this.release(counted);
        throw err;
      }
      if (!state.allowed) {
        await this.release(counted);
        throw this.refusal(quota, state);
      }
      counted.push({ quota, state });
    }

    // Tell the client about the rule closest to refusing it.
    const tightest = counted.reduce((a, b) => {
      const left = (c: Counted) => c.quota.rule.limit - c.state.count;
      return left(b) < left(a) || (left(b) === left(a) && b.state.resetAt < a.state.resetAt) ? b : a;
    });
    const reply = http.getResponse<FastifyReply>();
    void reply.headers({
      'RateLimit-Limit': String(tightest.quota.rule.limit),
      'RateLimit-Remaining': String(Math.max(0, tightest.quota.rule.limit - tightest.state.count)),
      'RateLimit-Reset': String(secondsUntil(tightest.state.resetAt)),
    });
  }

  private resourcesOf(context: ExecutionContext): QuotaResource[] {
    const marked = this.reflector.getAllAndOverride<MeteredResource[] | undefined>(QUOTA_RESOURCES, [context.getHandler(), context.getClass()]);
    return marked?.length ? [QuotaResource.Api, ...marked] : [QuotaResource.Api];
  }

  /** Takes back this call's hits on the rules that had admitted it. */
  private async release(counted: Counted[]): Promise<void> {
    const results = await Promise.allSettled(counted.map((c) => this.counters.release(c.quota.bucket, c.state.windowStart)));
    for (const result of results) {
      if (result.status === 'rejected') this.logger.warn({ err: result.reason }, 'Could not take back a quota hit');
    }
  }

  private refusal({ rule }: AppliedQuota, state: CounterState): TooManyRequestsException {
    const reset = secondsUntil(state.resetAt);
    const retryAfter = Math.max(1, reset);
    return new TooManyRequestsException(
      `API quota exceeded: ${rule.limit} ${rule.resource === QuotaResource.Api ? 'calls' : `${rule.resource} calls`} per ${rule.period}; try again in ${retryAfter} s`,
      {
        'Retry-After': String(retryAfter),
        'RateLimit-Limit': String(rule.limit),
        'RateLimit-Remaining': '0',
        'RateLimit-Reset': String(reset),
      },
    );
  }
}
