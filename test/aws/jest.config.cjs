/**
 * The AWS contract tests: each AWS adapter against moto_server, which the global setup starts.
 * They need Python's moto, so `npm test` leaves them out and `npm run test:aws` runs them.
 */
const { jest: main } = require('../../package.json');

/**
 * The Lambda handlers (middy) and the webhook route (@octokit/webhooks-methods) load ESM-only
 * packages, which swc turns into CommonJS here, so that a test can call a handler as Lambda does;
 * jose, which checks tokens as API Gateway's JWT authorizer does, is one too.
 */
const ESM_ONLY = '@middy|@octokit/webhooks-methods|jose';
/** The TypeScript transform, whose parser reads plain JavaScript too. */
const [swc] = Object.values(main.transform);

module.exports = {
  ...main,
  rootDir: '../..',
  roots: ['<rootDir>/test/aws'],
  testPathIgnorePatterns: ['/node_modules/'],
  transform: { ...main.transform, [`/node_modules/(${ESM_ONLY})/.+\\.js$`]: swc },
  transformIgnorePatterns: [`/node_modules/(?!(${ESM_ONLY})/)`],
  moduleNameMapper: {
    '^@middy/([^/]+)$': '<rootDir>/node_modules/@middy/$1/index.js',
    '^@octokit/webhooks-methods$': '<rootDir>/node_modules/@octokit/webhooks-methods/dist-node/index.js',
  },
  // Some tests wait out Step Functions timers on moto, which is slow to answer on a busy machine.
  testTimeout: 30_000,
  globalSetup: '<rootDir>/test/aws/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/aws/support/global-teardown.ts',
};
