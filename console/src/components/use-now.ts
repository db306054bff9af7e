import { useEffect, useState } from 'preact/hooks';

/** The time now; while `ticking` (something runs, and its duration grows) the component shows it again every second. */
export function useNow(ticking: boolean): number {
  const [, setTick] = useState(0);
  useEffect(() => {
    if (!ticking) return;
    const timer = setInterval(() => setTick((tick) => tick + 1), 1000);
    return () => clearInterval(timer);
  }, [ticking]);
  return Date.now();
}
