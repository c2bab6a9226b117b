import { ContainerCache } from '../../lib/containerCache';

describe('ContainerCache', () => {
  it('keeps a value for its time, loads again after it, never keeps a failed load, and forgets on request', async () => {
    const cache = new ContainerCache<string, number>(1000);
    let loads = 0;
    const load = async () => ++loads;
    expect(await cache.get('a', load, 0)).toBe(1);
    expect(await cache.get('a', load, 999)).toBe(1);
    expect(await cache.get('a', load, 1000)).toBe(2);
    cache.forget('a');
    expect(await cache.get('a', load, 1001)).toBe(3);

    await expect(cache.get('b', async () => Promise.reject(new Error('down')), 0)).rejects.toThrow('down');
    expect(await cache.get('b', load, 1)).toBe(4);

    cache.set('c', 42, 0);
    expect(await cache.get('c', load, 10)).toBe(42);
    expect(loads).toBe(4);
  });
});
