/**
 * The AWS contract tests: each AWS adapter against moto_server, which the global setup starts.
 * They need Python's moto, so `npm test` leaves them out and `npm run test:aws` runs them.
 */
const { jest: main } = require('../../package.json');

module.exports = {
  ...main,
  rootDir: '../..',
  roots: ['<rootDir>/test/aws'],
  testPathIgnorePatterns: ['/node_modules/'],
  globalSetup: '<rootDir>/test/aws/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/aws/support/global-teardown.ts',
};
