import { StoppedError, TaskNotWaitingError, type SluiceError } from '../../core/errors';
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

  async succeed(taskToken: string, output: Record<string, unknown>, record?: () => Promise<void>): Promise<void> {
    const waiter = this.take(taskToken);
    try {
      await record?.();
    } finally {
      waiter.resolve(output);
    }
  }

  async fail(taskToken: string, error: SluiceError, record?: () => Promise<void>): Promise<void> {
    const waiter = this.take(taskToken);
    try {
      await record?.();
    } finally {
      waiter.reject(error);
    }
  }

  /** Releases every waiting Task of a stopped run. */
  abandonAll(reason: string): void {
    for (const token of [...this.waiters.keys()]) this.take(token).reject(new StoppedError(reason));
  }

  /** Uses the token up, as Step Functions does: a second call with it finds no Task. */
  private take(taskToken: string): Waiter {
    const waiter = this.waiters.get(taskToken);
    if (!waiter) throw new TaskNotWaitingError();
    this.waiters.delete(taskToken);
    return waiter;
  }
}
