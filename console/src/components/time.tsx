const relative = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['day', 86_400_000],
  ['hour', 3_600_000],
  ['minute', 60_000],
  ['second', 1000],
];

/** `3 minutes ago`, from an ISO time. */
export function timeAgo(iso: string, now = Date.now()): string {
  const elapsed = Date.parse(iso) - now;
  const [unit, ms] = UNITS.find(([, size]) => Math.abs(elapsed) >= size) ?? UNITS.at(-1)!;
  return relative.format(Math.round(elapsed / ms), unit);
}

/** `1 min 5 s`, `800 ms`: a duration as a person reads it. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${seconds % 60} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** How long something ran: to its last change when it has ended, to now while it runs. */
export const durationOf = (start: string, end: string, running: boolean, now = Date.now()): number => (running ? now : Date.parse(end)) - Date.parse(start);

/** A time as `<time>`, shown relative, its exact value in its title. */
export function Ago({ iso }: { iso: string }) {
  return (
    <time dateTime={iso} title={new Date(iso).toLocaleString()}>
      {timeAgo(iso)}
    </time>
  );
}
