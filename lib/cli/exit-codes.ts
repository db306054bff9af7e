/** The exit codes of every `sluice` command. */
export const ExitCode = {
  Ok: 0,
  /** The pipeline or the operation failed. */
  Failed: 1,
  /** The input was wrong: a bad declaration, file, option or argument. */
  BadInput: 2,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** Wraps a command's handler so that the exit code it returns becomes the program's. */
export type ExitWith = <A extends unknown[]>(handler: (...args: A) => Promise<ExitCode> | ExitCode) => (...args: A) => Promise<void>;
