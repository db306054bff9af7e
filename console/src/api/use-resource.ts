import { useCallback, useEffect, useRef, useState } from 'preact/hooks';

export interface Resource<T> {
  data?: T;
  error?: Error;
  /** Reads it again, keeping what is shown until the new answer comes. */
  reload: () => void;
}

/**
 * What `load` answers, read when `deps` change and again on `reload`. A reload asked for while
 * one is under way runs once after it, so that a burst of changes makes at most two reads, and
 * the last read always follows the last change.
 */
export function useResource<T>(load: () => Promise<T>, deps: readonly unknown[]): Resource<T> {
  const [state, setState] = useState<{ data?: T; error?: Error }>({});
  const generation = useRef(0);
  const busy = useRef(false);
  const again = useRef(false);
  const latestLoad = useRef(load);
  latestLoad.current = load;

  const run = useCallback(async () => {
    if (busy.current) {
      again.current = true;
      return;
    }
    busy.current = true;
    const mine = generation.current;
    try {
      do {
        again.current = false;
        try {
          const data = await latestLoad.current();
          if (mine === generation.current) setState({ data });
        } catch (error) {
          if (mine === generation.current) setState((old) => ({ ...old, error: error as Error }));
        }
      } while (again.current && mine === generation.current);
    } finally {
      if (mine === generation.current) busy.current = false;
    }
  }, []);

  useEffect(() => {
    generation.current += 1;
    busy.current = false;
    setState({});
    void run();
  }, deps);

  return { ...state, reload: () => void run() };
}
