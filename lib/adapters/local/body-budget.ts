/**
 * A bound on the bytes of request bodies held in memory at once. Each body reserves its size
 * before it is read, and gives it back once its request is answered; a body that does not fit
 * waits for nothing: it is refused, for its sender to retry.
 */
export class BodyBudget {
  private reserved = 0;

  constructor(readonly maxBytes: number) {}

  /** Reserves `bytes`; returns how to give them back, or undefined when they do not fit. */
  reserve(bytes: number): (() => void) | undefined {
    if (this.reserved + bytes > this.maxBytes) return undefined;
    this.reserved += bytes;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.reserved -= bytes;
    };
  }
}
