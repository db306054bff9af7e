import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { isWithin, realLocation } from '../artifacts/containment';
import { BadInputError } from '../core/errors';
import type { ActionContext } from './action-provider';

/**
 * The text of the file at `relativePath` in the action's input artifact, which is extracted to the
 * workspace. A path that leads outside the artifact, by `..` or a link, is refused as missing.
 */
export async function readInputFile(context: ActionContext, relativePath: string, configurationKey: string): Promise<string> {
  const input = context.inputArtifacts[0];
  if (!input) throw new BadInputError(`${configurationKey} names a file of the input artifact, and the action has no input artifact.`);
  const directory = path.join(context.workspace, 'input');
  await context.artifacts.fetchArtifact(input.location, directory);
  const location = await realLocation(directory, relativePath);
  const text = isWithin(directory, location) ? await readFile(location, 'utf8').catch(() => undefined) : undefined;
  if (text === undefined) throw new BadInputError(`${configurationKey}: the input artifact ${input.name} has no file ${relativePath}.`);
  return text;
}
