import type { ConsoleConfig } from '../../../lib/api/console-config';
import { cognitoAuth } from './cognito';
import { localAuth } from './local';
import type { ConsoleAuth } from './types';

/** How this page signs its user in, as the server's configuration says. */
export function consoleAuth(config: ConsoleConfig): ConsoleAuth {
  switch (config.auth.kind) {
    case 'local':
      return localAuth();
    case 'cognito':
      return cognitoAuth(config.auth);
  }
}
