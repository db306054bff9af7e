// The prefix of the console's Cognito hosted sign-in domain, for serverless.yml:
//   ConsoleUserPoolDomain.Properties.Domain: !Sub '${file(console/sign-in-domain.cjs):prefix}-${AWS::AccountId}'
// Cognito takes only lowercase letters, digits and hyphens there, 63 at most. The stage is part of
// it, so a stage Cognito cannot take fails packaging, rather than the deploy halfway through.
'use strict';
const { ConsolePackagingError } = require('./package-patterns.cjs');

/** `sluice-<stage>-` and the 12 digits of the account id that follow it. */
const MAX_STAGE_LENGTH = 63 - 'sluice-'.length - '-123456789012'.length;

/** The stage made into one Cognito takes, to suggest. */
const suggested = (stage) =>
  stage
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, '-')
    .slice(0, MAX_STAGE_LENGTH);

/** The domain prefix before the account id, or a ConsolePackagingError that says what to use. */
function prefix(stage) {
  if (!/^[a-z0-9-]+$/.test(stage) || stage.length > MAX_STAGE_LENGTH)
    throw new ConsolePackagingError(
      `The stage "${stage}" names the console's Cognito sign-in domain (sluice-<stage>-<account id>), which takes only lowercase letters, digits and hyphens, and a stage of at most ${MAX_STAGE_LENGTH}: package with a stage such as --stage ${suggested(stage)}.`,
    );
  return `sluice-${stage}`;
}

module.exports = {
  prefix: async ({ resolveVariable }) => prefix(await resolveVariable('sls:stage')),
};
