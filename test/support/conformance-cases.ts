import type { CodePipelineCaller } from './codepipeline-client';
import { refusal } from './codepipeline-client';
import { codePipelineModel, outputProblems } from './codepipeline-model';

/** One operation's call in a conformance table: its input, made once what the earlier calls gave is known, and the refusal it must end with, if any. */
export interface ConformanceCase {
  operation: string;
  input: () => object;
  refusedWith?: string;
  /** Does what the call needs done first. */
  before?: () => Promise<unknown>;
  /** Calls again until the answer has this, as a worker polls; each answer is checked against the model. */
  until?: (output: Record<string, unknown>) => boolean;
  /** What the answer must say beyond its shape; keeps what later calls need from it. */
  check?: (output: Record<string, unknown>) => void;
}

/** it.each's rows for a table: each case with its place, its operation and what it must end with, for the title `%i. %s -> %s`. */
export const conformanceRows = (cases: ConformanceCase[]) =>
  cases.map((entry, index) => [index, entry.operation, entry.refusedWith ?? 'an answer the model shapes', entry] as const);

/**
 * Makes one case's call through `caller`. A refusal must carry the case's code and HTTP 400, and
 * be a code the model lists for the operation; an answer must conform to the model's output shape.
 * `context` says what the server printed, for a case whose `until` is never met.
 */
export async function conformanceCall(caller: CodePipelineCaller, entry: ConformanceCase, context: () => string): Promise<void> {
  await entry.before?.();
  if (entry.refusedWith) {
    const refused = await refusal(caller.send(entry.operation, entry.input()));
    expect(refused).toMatchObject({ code: entry.refusedWith, status: 400 });
    expect(codePipelineModel().operations[entry.operation]!.errors?.map((error) => error.shape) ?? []).toContain(entry.refusedWith);
    return;
  }
  for (let attempt = 0; attempt < 300; attempt += 1) {
    const output = await caller.send(entry.operation, entry.input());
    expect(outputProblems(entry.operation, output)).toEqual([]);
    if (!entry.until || entry.until(output)) {
      entry.check?.(output);
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${entry.operation} never answered as the case waits for. sluice serve printed:\n${context()}`);
}

/** The operations among `implemented` that no case of `cases` calls: each implemented operation must have its cases. */
export const operationsWithoutCases = (implemented: string[], cases: ConformanceCase[]) =>
  implemented.filter((operation) => !cases.some((entry) => entry.operation === operation));
