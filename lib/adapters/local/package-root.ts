import { existsSync } from 'node:fs';
import path from 'node:path';

/**
 * The directory of Sluice's package.json. The bundles in dist/ and the sources under lib/ both lie
 * below it, at different depths, so files shipped beside them (examples/, the worker bundle) are
 * found from here rather than from `__dirname`.
 */
export function packageRoot(): string {
  for (let directory = __dirname; ; directory = path.dirname(directory)) {
    if (existsSync(path.join(directory, 'package.json'))) return directory;
    if (path.dirname(directory) === directory) throw new Error(`No package.json above ${__dirname}: Sluice's files are not where it was installed.`);
  }
}
