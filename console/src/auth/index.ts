import type { ConsoleConfig } from '../../../lib/api/console-config';
import { localAuth } from './local';
import type { ConsoleAuth } from './types';

/** How this page signs its user in, as the server's configuration says. */
export function consoleAuth(config: ConsoleConfig): ConsoleAuth {
  switch (config.auth.kind) {
    case 'local':
      return localAuth();
    case 'cognito':
      throw new Error('Signing in with Cognito is not built in this bundle.');
  }
}
