import { Inject, Injectable } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { TooManyRequestsException } from '../../common/errors/too-many-requests.exception';
import { APP_CONFIG, AppConfig } from '../../config/app-config';
import { CounterState, RateCounterService } from '../quotas/rate-counter.service';

/**
 * Failed logins are counted per account and per client address in PostgreSQL (shared by every API
 * process). Past LOGIN_SLOWDOWN_AFTER failures of an account each attempt on it is delayed, doubling
 * up to 4 s; at LOGIN_MAX_FAILURES for the account, or LOGIN_MAX_FAILURES_PER_ADDRESS for the address
 * (higher: many people may share one address), attempts are refused with 429 until the window ends.
 */
@Injectable()
export class LoginThrottleService {
  constructor(
    private readonly counters: RateCounterService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  private static account = (email: string) => `login:account:${email}`;
  private static address = (ip: string) => `login:address:${ip}`;

  /** Refuses (429) or delays an attempt according to the failures already seen. */
  async beforeAttempt(email: string, ip: string): Promise<void> {
    const { loginFailureWindow, loginMaxFailures, loginMaxFailuresPerAddress, loginSlowdownAfter } = this.config.auth;
    const [account, address] = await Promise.all([
      this.counters.peek(LoginThrottleService.account(email), loginFailureWindow),
      this.counters.peek(LoginThrottleService.address(ip), loginFailureWindow),
    ]);
    if (account.count >= loginMaxFailures) this.refuse(account);
    if (address.count >= loginMaxFailuresPerAddress) this.refuse(address);
    if (account.count >= loginSlowdownAfter) {
      await sleep(Math.min(4000, 250 * 2 ** (account.count - loginSlowdownAfter)));
    }
  }

  private refuse(state: CounterState): never {
    const retryAfter = Math.max(1, Math.ceil((state.resetAt.getTime() - Date.now()) / 1000));
    throw new TooManyRequestsException('Too many failed logins: try again later', { 'Retry-After': String(retryAfter) });
  }

  async failed(email: string, ip: string): Promise<void> {
    const window = this.config.auth.loginFailureWindow;
    await Promise.all([
      this.counters.hit(LoginThrottleService.account(email), window),
      this.counters.hit(LoginThrottleService.address(ip), window),
    ]);
  }

  /** A successful login clears the account's failures (not the address's: one good account must not unlock guessing at others). */
  async succeeded(email: string): Promise<void> {
    await this.counters.reset(LoginThrottleService.account(email));
  }
}
