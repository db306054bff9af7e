import os from 'node:os';

/**
 * The machine a result came from. Load average is printed because other work on a 2-core machine
 * moves the numbers more than anything the benchmark does.
 */
export function describeMachine(): string {
  const load = os
    .loadavg()
    .map((value) => value.toFixed(2))
    .join(' / ');
  return `${os.cpus().length} cores, Node ${process.versions.node}, ${os.platform()} ${os.release()}, load average (1/5/15 min) at start: ${load}`;
}
