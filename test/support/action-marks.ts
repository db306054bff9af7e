import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { ActionDeclaration } from '../../lib/core/declaration';
import { commandsOnSource } from './declarations';

/**
 * Files in `dir` through which the Commands actions of e2e pipelines count their runs (a line a
 * run) and are told to fail or wait, each named after its pipeline.
 */
export function actionMarks(dir: string) {
  const file = (pipeline: string, name: string) => path.join(dir, `${pipeline}-${name}`);
  const runs = (pipeline: string, action: string) =>
    existsSync(file(pipeline, action)) ? readFileSync(file(pipeline, action), 'utf8').split('\n').length - 1 : 0;
  /** The command that counts a run of `action`. */
  const count = (pipeline: string, action: string) => `echo x >> ${file(pipeline, action)}`;
  /** Counter, which exports RUN, how many times it ran, in namespace BuildVariables. */
  const counter = (pipeline: string): ActionDeclaration => ({
    ...commandsOnSource('Counter', [`${count(pipeline, 'Counter')} && export RUN=$(wc -l < ${file(pipeline, 'Counter')} | tr -d ' ')`]),
    namespace: 'BuildVariables',
    outputVariables: ['RUN'],
  });
  /**
   * Deploy, after `before`: it writes the RUN that Counter gave it to the pipeline's `deployed-with`
   * mark (deployedWith reads it), and fails once when the `fail` mark exists, taking it away.
   */
  const deploy = (pipeline: string, before: string[] = []): ActionDeclaration =>
    commandsOnSource('Deploy', [
      ...before,
      `echo '#{BuildVariables.RUN}' > ${file(pipeline, 'deployed-with')}`,
      `if [ -f ${file(pipeline, 'fail')} ]; then rm ${file(pipeline, 'fail')}; false; fi`,
    ]);
  const deployedWith = (pipeline: string) => readFileSync(file(pipeline, 'deployed-with'), 'utf8').trim();
  return { file, runs, count, counter, deploy, deployedWith };
}
