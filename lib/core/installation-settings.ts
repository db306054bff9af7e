import { z } from 'zod';
import { connectionsSchema } from './connection-hosts';

/** Each rule bounds growth on its own: an execution goes when either lets it go. */
export const retentionSettingsSchema = z
  .object({
    /** Keep at most this many finished executions of each pipeline, the newest. */
    keepExecutions: z.number().int().min(1).optional(),
    /** Keep finished executions for this many days after they ended. */
    keepDays: z.number().int().min(1).optional(),
  })
  .strict();

/** Lambda functions that run on this machine from handler files: a function's name to `<file>:<export>` (`handler` when no export is named). */
export const lambdaHandlersSchema = z.record(z.string().min(1), z.string().min(1));

/**
 * The settings of one local installation, kept in `settings.json` in its data dir. Every key is
 * optional; what is absent takes the default below.
 */
export const installationSettingsSchema = z
  .object({
    /** The host each CodeStarSourceConnection connection reaches, by its ARN or id; GitHub for one not named. */
    connections: connectionsSchema.optional(),
    /** How long finished executions are kept: their records, artifacts, logs, events and mails. */
    retention: retentionSettingsSchema.optional(),
    /** Caps on what an artifact zip may unpack to, against zip bombs. */
    artifacts: z
      .object({
        maxUnpackedBytes: z.number().int().min(1).optional(),
        maxEntries: z.number().int().min(1).optional(),
      })
      .strict()
      .optional(),
    /** Custom actions (owner Custom) of this installation. */
    customActions: z
      .object({
        /**
         * How long a custom action's job waits for a worker to finish it, when the action sets no
         * timeoutInMinutes: CodePipeline's hour by default, and never more.
         */
        jobTimeoutSeconds: z.number().int().min(1).max(3600).optional(),
      })
      .strict()
      .optional(),
    /** Lambda invoke actions (Invoke/AWS/Lambda) of this installation. */
    lambda: z
      .object({
        /** Functions that run here, from a handler file: a function's name to `<file>:<export>`, the file relative to the data dir. */
        handlers: lambdaHandlersSchema.optional(),
        /**
         * How long a function may take to report each time it is started, before its action times
         * out: CodePipeline's 20 minutes by default, and never more.
         */
        replyTimeoutSeconds: z.number().int().min(1).max(1200).optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

export type InstallationSettings = z.infer<typeof installationSettingsSchema>;

/** GitHub Actions keeps logs and artifacts 90 days unless told otherwise; so does Sluice. */
export const DEFAULT_RETENTION = { keepDays: 90 } as const;

/** Generous for a build's output (node_modules included), far short of filling a disk. */
export const DEFAULT_ARTIFACT_LIMITS = { maxUnpackedBytes: 10 * 1024 ** 3, maxEntries: 500_000 } as const;
