import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { BadInputError } from '../core/errors';
import { DEFAULT_ARTIFACT_LIMITS, installationSettingsSchema, type InstallationSettings } from '../core/installation-settings';
import type { UnpackLimits } from '../artifacts/zip';

/** The settings file of a data dir. */
export const settingsFile = (dataDir: string) => path.join(dataDir, 'settings.json');

/** Reads a data dir's `settings.json`; none means every default. A bad file is refused, naming the key. */
export async function readInstallationSettings(dataDir: string): Promise<InstallationSettings> {
  const file = settingsFile(dataDir);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw error;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new BadInputError(`${file} is not JSON: ${(error as Error).message}. Fix it or remove it to use the defaults.`);
  }
  const parsed = installationSettingsSchema.safeParse(value);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(top level)'}: ${issue.message}`).join('; ');
    throw new BadInputError(`${file} has bad settings: ${problems}. See the README's "Settings" section.`);
  }
  return parsed.data;
}

/** The caps on what an artifact may unpack to: the data dir's settings over the defaults. */
export async function readUnpackLimits(dataDir: string): Promise<UnpackLimits> {
  return { ...DEFAULT_ARTIFACT_LIMITS, ...(await readInstallationSettings(dataDir)).artifacts };
}
