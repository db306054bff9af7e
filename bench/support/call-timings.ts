import { now } from './stats';

/** Total time and count of calls, by `port.method`. */
export type CallTimings = Map<string, { ms: number; calls: number }>;

/**
 * Wraps every method of a port (all of them return promises) so that the time spent in it is
 * added to `timings`. Only meaningful when calls do not overlap, as in a sequential pipeline.
 */
export function timeCalls<T extends object>(port: T, portName: string, timings: CallTimings): T {
  return new Proxy(port, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      const key = `${portName}.${String(property)}`;
      return async (...args: unknown[]) => {
        const start = now();
        try {
          return await (value as (...parameters: unknown[]) => Promise<unknown>).apply(target, args);
        } finally {
          const total = timings.get(key) ?? { ms: 0, calls: 0 };
          timings.set(key, { ms: total.ms + now() - start, calls: total.calls + 1 });
        }
      };
    },
  });
}
