import path from 'node:path';
import type { ConsoleConfig } from '../api/console-config';
import { CONSOLE_VARIABLES, requiredVariable } from './aws-environment';

/** What the console asks Cognito for: the scopes that serverless.yml's ConsoleUserPoolClient allows. */
export const CONSOLE_SCOPES = ['openid', 'email', 'profile'] as const;

/**
 * The console as the http function serves it on AWS: its built files, which serverless.yml puts in
 * this function's package only, and the page's configuration, naming the stack's user pool. API
 * Gateway cannot stream, so the page polls.
 */
export function awsConsole(): { assetsDir: string; config: ConsoleConfig } {
  const setOn = 'the http function';
  return {
    // Lambda unpacks the package into LAMBDA_TASK_ROOT, which is also its working directory.
    assetsDir: path.join(process.env.LAMBDA_TASK_ROOT ?? process.cwd(), 'dist', 'console'),
    config: {
      auth: {
        kind: 'cognito',
        authority: requiredVariable(CONSOLE_VARIABLES.authority, setOn),
        domain: requiredVariable(CONSOLE_VARIABLES.domain, setOn),
        clientId: requiredVariable(CONSOLE_VARIABLES.clientId, setOn),
        scopes: [...CONSOLE_SCOPES],
      },
      live: 'poll',
    },
  };
}
