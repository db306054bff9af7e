import os from 'node:os';
import type { Caller } from '../core/audit';

/** A command run on this machine, against its data dir or a stack on AWS: the user who runs it. */
export function commandLineCaller(): Caller {
  return { who: os.userInfo().username, from: 'cli' };
}
