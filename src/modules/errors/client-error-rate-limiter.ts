import { Inject, Injectable } from '@nestjs/common';
import { TooManyRequestsException } from '../../common/errors/too-many-requests.exception';
import { APP_CONFIG, AppConfig } from '../../config/app-config';

const WINDOW_MS = 60_000;
/** Addresses tracked per window; past it the window is judged by the global cap alone (memory stays bounded). */
const MAX_TRACKED = 10_000;

/**
 * Fixed one-minute windows, in process: per client address (ERRORS_CLIENT_RATE) and for all callers
 * together (ten times that), so an anonymous caller cannot flood the error table through the public
 * report route. In-process is enough: the table is protected further by grouping and the group cap.
 */
@Injectable()
export class ClientErrorRateLimiter {
  private windowStart = 0;
  private total = 0;
  private perAddress = new Map<string, number>();

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  take(address: string, now = Date.now()): void {
    if (now - this.windowStart >= WINDOW_MS) {
      this.windowStart = now - (now % WINDOW_MS);
      this.total = 0;
      this.perAddress = new Map();
    }
    const limit = this.config.errors.clientRate;
    const used = this.perAddress.get(address) ?? 0;
    if (used >= limit || this.total >= limit * 10) {
      const retryAfter = Math.max(1, Math.ceil((this.windowStart + WINDOW_MS - now) / 1000));
      throw new TooManyRequestsException('Too many client error reports: try again later', {
        'Retry-After': String(retryAfter),
        'RateLimit-Limit': String(limit),
        'RateLimit-Remaining': '0',
        'RateLimit-Reset': String(retryAfter),
      });
    }
    this.total++;
    if (this.perAddress.size < MAX_TRACKED || this.perAddress.has(address)) this.perAddress.set(address, used + 1);
  }
}
