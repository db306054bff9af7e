import { SluiceError } from '../../core/errors';
import type { TaskCallbacks } from '../../ports/task-callbacks';

interface Waiter {
  resolve(output: Record<string, unknown>): void;
  reject(error: Error): void;
}

/** Task tokens of the local engine: each is a promise that a callback settles, as SendTask* does on AWS. */
export class LocalTaskCallbacks implements TaskCallbacks {
  private readonly waiters = new Map<string, Waiter>();

  /** The promise a waiting Task returns; it settles when the token is called back. */
  wait(taskToken: string): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => this.waiters.set(taskToken, { resolve, reject }));
  }

  async succeed(taskToken: string, output: Record<string, unknown>): Promise<void> {
    this.take(taskToken).resolve(output);
  }

  async fail(taskToken: string, error: string, cause: string): Promise<void> {
    this.take(taskToken).reject(new SluiceError(error, cause));
  }

  /** Releases every waiting Task of a stopped run. */
  abandonAll(reason: string): void {
    for (const token of [...this.waiters.keys()]) this.take(token).reject(new SluiceError('Sluice.Stopped', reason));
  }

  private take(taskToken: string): Waiter {
    const waiter = this.waiters.get(taskToken);
    if (!waiter) throw new SluiceError('Sluice.TaskTimedOut', 'No task is waiting for this token: the execution has ended or moved on.');
    this.waiters.delete(taskToken);
    return waiter;
  }
}
