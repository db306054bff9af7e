import { chmod, mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { ensurePrivateDirectory } from '../../../../lib/adapters/local/private-directory';
import { rotateWebhookSecret, webhookSecret } from '../../../../lib/adapters/local/webhook-secret-file';
import { directoryPerTest } from '../../../support/embedded-stack';

const modeOf = async (file: string) => (await stat(file)).mode & 0o777;

describe('the data dir and its secrets are private to this user', () => {
  const scratch = directoryPerTest();

  it('creates a data dir with mode 0700', async () => {
    const dataDir = path.join(scratch(), 'project', '.sluice');

    await ensurePrivateDirectory(dataDir);

    expect(await modeOf(dataDir)).toBe(0o700);
  });

  it('tightens an existing data dir of this user that others could read or enter', async () => {
    const dataDir = path.join(scratch(), '.sluice');
    await mkdir(dataDir);
    await chmod(dataDir, 0o755);

    await ensurePrivateDirectory(dataDir);

    expect(await modeOf(dataDir)).toBe(0o700);
  });

  it('keeps the webhook secret in a file of mode 0600, in a private data dir, when created and when rotated', async () => {
    const dataDir = path.join(scratch(), 'fresh');

    await webhookSecret(dataDir);
    expect(await modeOf(dataDir)).toBe(0o700);
    expect(await modeOf(path.join(dataDir, 'webhook-secret'))).toBe(0o600);

    await rotateWebhookSecret(dataDir);
    expect(await modeOf(path.join(dataDir, 'webhook-secret'))).toBe(0o600);
  });

  it("keeps Bitbucket's and GitLab's webhook secrets beside GitHub's, each its own, of mode 0600", async () => {
    const dataDir = path.join(scratch(), 'hosts');

    const secrets = [await webhookSecret(dataDir), await webhookSecret(dataDir, 'Bitbucket'), await webhookSecret(dataDir, 'GitLab')];
    expect(new Set(secrets).size).toBe(3);
    for (const file of ['bitbucket-webhook-secret', 'gitlab-webhook-secret']) expect(await modeOf(path.join(dataDir, file))).toBe(0o600);

    const rotated = await rotateWebhookSecret(dataDir, 'GitLab');
    expect(await webhookSecret(dataDir, 'GitLab')).toBe(rotated);
    expect(await webhookSecret(dataDir, 'Bitbucket')).toBe(secrets[1]);
  });
});
