import { setImmediate as nextTurn } from 'node:timers/promises';

/** How long synchronous work may hold the event loop before it lets the rest of the process run. */
const SLICE_MS = 8;

/**
 * Synchronous file-system work, handed back to the event loop every few milliseconds. On small
 * files a synchronous open, write or stat costs a fraction of an asynchronous one, whose round
 * trip to libuv's thread pool and back is most of its time; in slices, a walk over thousands of
 * them still leaves other actions, HTTP requests and timers their turn.
 *
 * @example
 * const slices = new TimeSlices();
 * for (const file of files) {
 *   writeFileSync(file, data);
 *   await slices.pause();
 * }
 */
export class TimeSlices {
  private sliceStart = performance.now();

  /** Lets the event loop run when this slice has had its time; at once otherwise. */
  async pause(): Promise<void> {
    if (performance.now() - this.sliceStart < SLICE_MS) return;
    await nextTurn();
    this.sliceStart = performance.now();
  }
}
