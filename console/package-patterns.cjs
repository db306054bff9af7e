// The console's built files, for the http function's package in serverless.yml:
//   package.patterns: ${file(console/package-patterns.cjs):patterns}
// Only the http function serves the console, so no other function's zip holds them. Packaging
// without them would deploy a console that answers 404, so it fails instead.
'use strict';
const { existsSync } = require('node:fs');
const path = require('node:path');

const BUILT = 'dist/console';

/** A missing build, or a stage the sign-in domain cannot take, fails packaging; osls prints the stack, which would only point here. */
class ConsolePackagingError extends Error {
  constructor(message) {
    super(message);
    this.name = 'ConsolePackagingError';
    this.stack = message;
  }
}

module.exports = {
  ConsolePackagingError,
  patterns: () => {
    if (!existsSync(path.join(__dirname, '..', BUILT, 'index.html')))
      throw new ConsolePackagingError(
        `${BUILT}/index.html is missing, and the http function serves the console from it: run \`npm run build\`, then package again.`,
      );
    return [`${BUILT}/**`];
  },
};
