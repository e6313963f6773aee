import { TooManyRequestsException } from '../../common/errors/too-many-requests.exception';
import { AppConfig } from '../../config/app-config';
import { ClientErrorRateLimiter } from './client-error-rate-limiter';

const limiterWith = (clientRate: number) => new ClientErrorRateLimiter({ errors: { clientRate, maxClientGroups: 10 } } as AppConfig);
const T0 = 1_800_000_000_000; // a whole minute

describe('ClientErrorRateLimiter', () => {
  it('allows `rate` reports per address and minute, then refuses with the seconds left in the window', () => {
    const limiter = limiterWith(3);
    for (let i = 0; i < 3; i++) limiter.take('10.0.0.1', T0 + i);
    let refused: TooManyRequestsException | undefined;
    try {
      limiter.take('10.0.0.1', T0 + 15_000);
    } catch (err) {
      refused = err as TooManyRequestsException;
    }
    expect(refused).toBeInstanceOf(TooManyRequestsException);
    expect(refused!.getStatus()).toBe(429);
    expect(refused!.headers['Retry-After']).toBe('45');
    // Another address has its own allowance; the next window starts afresh.
    expect(() => limiter.take('10.0.0.2', T0 + 15_000)).not.toThrow();
    expect(() => limiter.take('10.0.0.1', T0 + 60_000)).not.toThrow();
  });

  it('caps all addresses together at ten times the per-address rate', () => {
    const limiter = limiterWith(2);
    for (let i = 0; i < 20; i++) limiter.take(`10.0.1.${i}`, T0);
    expect(() => limiter.take('10.0.2.1', T0)).toThrow(TooManyRequestsException);
  });
});
