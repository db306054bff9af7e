import { isAlive, readDataDirOwner } from '../adapters/local/data-dir-lock';
import { HttpApiClient } from '../api/http-api-client';
import type { SluiceApi } from '../operations/sluice-api';

/** The API of the live process that owns the data dir, if one does and serves it; `command` narrows it to one kind of owner. */
export async function ownerApi(dataDir: string, command?: 'serve'): Promise<HttpApiClient | undefined> {
  const owner = await readDataDirOwner(dataDir);
  if (!owner?.api || owner.pid === process.pid || !isAlive(owner.pid) || (command && owner.command !== command)) return undefined;
  return new HttpApiClient(owner.api.url, owner.api.token);
}

/**
 * Gives a command the SluiceApi of a data dir: through the owner's local API while a `sluice run`
 * or `sluice serve` owns it, as the AWS CLI goes through the service; directly when none does.
 */
export async function withSluiceApi<T>(dataDir: string, command: string, use: (api: SluiceApi) => Promise<T>): Promise<T> {
  const owner = await ownerApi(dataDir);
  if (owner) return use(owner);
  const { openLocalInstallation } = await import('../compose/local');
  const installation = await openLocalInstallation({ dataDir, command });
  try {
    return await use(installation.operations);
  } finally {
    await installation.close();
  }
}
