import { createHmac, randomUUID } from 'node:crypto';
import { sluice, startSluice, type RunningCli } from './cli';

/** POSTs `body` to a webhook URL as GitHub delivers event `event`: signed with `secret`, under a new delivery id. */
export async function deliverSigned(webhookUrl: string, secret: string, event: string, body: string) {
  const response = await fetch(webhookUrl, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-github-event': event,
      'x-github-delivery': randomUUID(),
      'x-hub-signature-256': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`,
    },
    body,
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

export interface ServedWebhook {
  serve: RunningCli;
  webhookUrl: string;
  secret: string;
}

/** `sluice serve` on `dataDir`, reading GitHub's API at `apiUrl` with `token`, once its webhook listens; with the webhook's URL and secret. */
export async function serveWithGitHub(dataDir: string, apiUrl: string, token: string): Promise<ServedWebhook> {
  const secret = sluice(['webhook-secret', '--data-dir', dataDir]).stdout.trim();
  const serve = startSluice(['serve', '--port', '0', '--quiet', '--data-dir', dataDir], { env: { SLUICE_GITHUB_TOKEN: token, SLUICE_GITHUB_API_URL: apiUrl } });
  const webhookUrl = (await serve.waitFor(/GitHub webhook: (http\S+)/))[1]!;
  return { serve, webhookUrl, secret };
}
