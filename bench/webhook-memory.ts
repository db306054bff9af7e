/**
 * Webhook memory: how much `sluice serve`'s resident memory grows while 16 clients each send a
 * 24 MiB body to `/webhooks/github` at once, first without a signature header (answered before
 * the body is read), then with a well-formed but wrong signature (read, so only the budget of
 * in-flight webhook bodies bounds them). A signed ping sent during each flood shows that small
 * deliveries still get through.
 *
 * The RSS is the serve process's own, read from /proc/<pid>/status: its peak (VmHWM) is reset
 * through /proc/<pid>/clear_refs before each flood, so the peak is exact, not sampled.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { readFile, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import path from 'node:path';
import { postGitHubDelivery } from '../lib/adapters/github/webhook-delivery';
import { webhookSecret } from '../lib/adapters/local/webhook-secret-file';
import { describeMachine } from './support/machine';
import { MIB } from './support/rss-sampler';
import { fixed, now } from './support/stats';
import { markdownTable, printSection, verdict } from './support/table';
import { withTempDir } from './support/temp-dir';

/** This file runs as dist/bench/webhook-memory.cjs. */
const PROJECT_ROOT = path.resolve(__dirname, '..', '..');
const CLI = path.join(PROJECT_ROOT, 'dist', 'sluice.cjs');
const CLIENTS = 16;
const BODY_BYTES = 24 * MIB;
const TARGET_GROWTH_MIB = 100;
const CHUNK = Buffer.alloc(MIB, 'a');

/** `VmRSS` and `VmHWM` of a process, in bytes. */
async function memoryOf(pid: number): Promise<{ rss: number; peak: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(status)![1]) * 1024;
  return { rss: kib('VmRSS'), peak: kib('VmHWM') };
}

/** Starts `sluice serve` on a free port and returns it with its URL once it serves. */
async function startServe(dataDir: string): Promise<{ serve: ChildProcessWithoutNullStreams; url: string }> {
  const serve = spawn(process.execPath, [CLI, 'serve', '--quiet', '--data-dir', dataDir, '--port', '0']);
  let output = '';
  serve.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    serve.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const served = / at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(output);
      if (served) resolve(served[1]!);
    });
    serve.once('exit', (code) => reject(new Error(`sluice serve exited with ${code} before it served:\n${output}`)));
  });
  return { serve, url };
}

interface Answer {
  /** The answer's status, or `reset` when the connection closed while the body was still being sent. */
  status: number | 'reset';
  /** Bytes of the body written before the answer came. */
  sentBytes: number;
}

/** POSTs `bodyBytes` of `a` to the webhook, 1 MiB at a time, and stops sending once answered. */
function deliverLarge(url: string, headers: Record<string, string>, bodyBytes: number): Promise<Answer> {
  return new Promise((resolve) => {
    let sentBytes = 0;
    let answered = false;
    const outgoing = request(new URL('webhooks/github', url), { method: 'POST', agent: false, headers: { ...headers, 'content-length': String(bodyBytes) } });
    outgoing.on('response', (response) => {
      answered = true;
      response.resume();
      response.on('end', () => resolve({ status: response.statusCode!, sentBytes }));
    });
    // The server closes the connection once it has answered: a client still sending its body may
    // then see the connection reset before it reads the answer.
    outgoing.on('error', () => {
      if (!answered) resolve({ status: 'reset', sentBytes });
    });
    const send = async () => {
      while (sentBytes < bodyBytes && !answered && !outgoing.destroyed) {
        const chunk = CHUNK.subarray(0, Math.min(CHUNK.length, bodyBytes - sentBytes));
        sentBytes += chunk.length;
        if (!outgoing.write(chunk)) {
          await new Promise<void>((resume) => {
            const resumed = () => {
              outgoing.off('drain', resumed).off('close', resumed);
              resume();
            };
            outgoing.on('drain', resumed).on('close', resumed);
          });
        }
      }
      if (!answered && !outgoing.destroyed) outgoing.end();
    };
    outgoing.flushHeaders();
    void send();
  });
}

async function signedPing(url: string, secret: string): Promise<number> {
  const body = JSON.stringify({ zen: 'Keep it logically awesome.', hook_id: 1 });
  const response = await postGitHubDelivery(new URL('webhooks/github', url), { event: 'ping', body, secret });
  await response.arrayBuffer();
  return response.status;
}

interface Flood {
  name: string;
  startRss: number;
  peak: number;
  answers: Answer[];
  pingStatus: number;
  ms: number;
}

async function flood(pid: number, url: string, secret: string, name: string, headers: () => Record<string, string>): Promise<Flood> {
  // Writing 5 resets VmHWM to the current RSS: the peak read after is this flood's.
  await writeFile(`/proc/${pid}/clear_refs`, '5');
  const { rss: startRss } = await memoryOf(pid);
  const started = now();
  const answers = Promise.all(Array.from({ length: CLIENTS }, () => deliverLarge(url, headers(), BODY_BYTES)));
  const pingStatus = await signedPing(url, secret);
  const all = await answers;
  const ms = now() - started;
  return { name, startRss, peak: (await memoryOf(pid)).peak, answers: all, pingStatus, ms };
}

const counts = (answers: Answer[]) => {
  const byStatus = new Map<string, number>();
  for (const answer of answers) byStatus.set(String(answer.status), (byStatus.get(String(answer.status)) ?? 0) + 1);
  return [...byStatus]
    .sort()
    .map(([status, count]) => `${count} × ${status}`)
    .join(', ');
};

async function main(): Promise<void> {
  console.log(`Machine: ${describeMachine()}`);
  await withTempDir('webhook-memory', async (work) => {
    const dataDir = path.join(work, 'data');
    const { serve, url } = await startServe(dataDir);
    try {
      const secret = await webhookSecret(dataDir);
      // One signed delivery first, so that the path's modules are loaded before anything is measured.
      if ((await signedPing(url, secret)) !== 200) throw new Error('sluice serve did not answer a signed ping with 200.');
      const floods = [
        await flood(serve.pid!, url, secret, 'no signature header', () => ({
          'content-type': 'application/json',
          'x-github-event': 'push',
          'x-github-delivery': randomUUID(),
        })),
        await flood(serve.pid!, url, secret, 'well-formed, wrong signature', () => ({
          'content-type': 'application/json',
          'x-github-event': 'push',
          'x-github-delivery': randomUUID(),
          'x-hub-signature-256': `sha256=${'0'.repeat(64)}`,
        })),
      ];
      printSection(
        `${CLIENTS} concurrent ${BODY_BYTES / MIB} MiB webhook bodies: growth of sluice serve's RSS (target < ${TARGET_GROWTH_MIB} MiB)`,
        markdownTable(
          [
            'bodies',
            'RSS before, MiB',
            'peak RSS (VmHWM), MiB',
            '**growth, MiB**',
            'answers',
            'body MiB sent before the answer (max)',
            'signed ping meanwhile',
            'all answered, ms',
          ],
          floods.map((run) => {
            const growth = (run.peak - run.startRss) / MIB;
            return [
              run.name,
              fixed(run.startRss / MIB, 0),
              fixed(run.peak / MIB, 0),
              `**${fixed(growth, 0)}** ${verdict(growth < TARGET_GROWTH_MIB)}`,
              counts(run.answers),
              fixed(Math.max(...run.answers.map((answer) => answer.sentBytes)) / MIB, 0),
              String(run.pingStatus),
              fixed(run.ms, 0),
            ];
          }),
        ),
      );
      const missed = floods.filter((run) => run.peak - run.startRss >= TARGET_GROWTH_MIB * MIB || run.pingStatus !== 200);
      if (missed.length > 0) throw new Error(`Missed: ${missed.map((run) => run.name).join(', ')}.`);
    } finally {
      const exited = once(serve, 'exit');
      serve.kill('SIGINT');
      await exited;
    }
  });
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : error);
  process.exitCode = 1;
});
