import { ShortLivedCache } from './short-lived-cache';

describe('ShortLivedCache', () => {
  afterEach(() => jest.useRealTimers());

  it('shares one load among concurrent reads and reuses it until it expires', async () => {
    jest.useFakeTimers({ now: 1_000_000 });
    const cache = new ShortLivedCache<number>(10);
    let loads = 0;
    const load = async () => ++loads;
    expect(await Promise.all([cache.get('k', 1000, load), cache.get('k', 1000, load), cache.get('k', 1000, load)])).toEqual([1, 1, 1]);
    jest.setSystemTime(1_000_999);
    expect(await cache.get('k', 1000, load)).toBe(1);
    jest.setSystemTime(1_001_000);
    expect(await cache.get('k', 1000, load)).toBe(2);
    expect(await cache.get('other', 1000, load)).toBe(3);
  });

  it('after expiry, makes the first reader wait for a new load and answers others the old value meanwhile', async () => {
    jest.useFakeTimers({ now: 1_000_000 });
    const cache = new ShortLivedCache<string>(10);
    await cache.get('k', 1000, async () => 'old');
    jest.setSystemTime(1_001_500);
    let finish!: (v: string) => void;
    const refreshing = cache.get('k', 1000, () => new Promise((r) => (finish = r)));
    expect(await cache.get('k', 1000, async () => 'unused')).toBe('old');
    finish('new');
    expect(await refreshing).toBe('new');
    expect(await cache.get('k', 1000, async () => 'unused')).toBe('new');
    // Kept from when the load started, not from when it ended.
    jest.setSystemTime(1_002_500);
    expect(await cache.get('k', 1000, async () => 'newer')).toBe('newer');
    // A refresh that fails drops the old value too.
    jest.setSystemTime(1_004_000);
    await expect(cache.get('k', 1000, () => Promise.reject(new Error('database down')))).rejects.toThrow('database down');
    expect(await cache.get('k', 1000, async () => 'recovered')).toBe('recovered');
  });

  it('keeps no failed load and nothing when the time to keep is 0', async () => {
    const cache = new ShortLivedCache<string>(10);
    await expect(cache.get('k', 1000, () => Promise.reject(new Error('database down')))).rejects.toThrow('database down');
    expect(await cache.get('k', 1000, async () => 'recovered')).toBe('recovered');
    let loads = 0;
    await cache.get('z', 0, async () => String(++loads));
    expect(await cache.get('z', 0, async () => String(++loads))).toBe('2');
  });

  it('drops the oldest key when full', async () => {
    const cache = new ShortLivedCache<string>(2);
    await cache.get('a', 60_000, async () => 'a1');
    await cache.get('b', 60_000, async () => 'b1');
    await cache.get('c', 60_000, async () => 'c1');
    expect(await cache.get('a', 60_000, async () => 'a2')).toBe('a2');
    expect(await cache.get('c', 60_000, async () => 'c2')).toBe('c1');
  });
});
