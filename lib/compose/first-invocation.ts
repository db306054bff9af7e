import type { Context } from 'aws-lambda';

type Handler<E, R> = (event: E, context: Context) => Promise<R>;

/**
 * A Lambda handler built when it is first invoked, then kept for the container's life. Its
 * composition reads the function's environment, which only Lambda sets: a module that exports it
 * can be loaded anywhere (the local engine builds the same handler with its own dependencies), and
 * loading it pulls in no AWS client until the function runs.
 */
export function builtOnFirstInvocation<E, R>(build: () => Promise<Handler<E, R>>): Handler<E, R> {
  let built: Promise<Handler<E, R>> | undefined;
  return async (event, context) => {
    // A failed build (a missing variable) fails this call, and the next one tries again.
    built ??= build().catch((error: unknown) => {
      built = undefined;
      throw error;
    });
    return (await built)(event, context);
  };
}
