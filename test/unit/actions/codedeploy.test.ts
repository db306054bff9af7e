import { deploymentFailure } from '../../../lib/actions/codedeploy';

describe("deploymentFailure: a failed CodeDeploy deployment's reason", () => {
  const deployment = {
    deploymentId: 'd-ABC123',
    status: 'Failed' as const,
    errorInformation: { code: 'HEALTH_CONSTRAINTS' as const, message: 'The overall deployment failed.' },
  };

  it("names the failed lifecycle event of a failed instance, with its script's diagnostics and log tail", () => {
    const target = {
      deploymentTargetType: 'InstanceTarget' as const,
      instanceTarget: {
        targetId: 'i-0123456789abcdef0',
        status: 'Failed' as const,
        lifecycleEvents: [
          { lifecycleEventName: 'BeforeInstall', status: 'Succeeded' as const },
          {
            lifecycleEventName: 'ValidateService',
            status: 'Failed' as const,
            diagnostics: {
              errorCode: 'ScriptFailed' as const,
              scriptName: 'scripts/check.sh',
              message: 'Script at specified location: scripts/check.sh run as user root failed with exit code 1',
              logTail: '[stdout]health: 503\n',
            },
          },
          { lifecycleEventName: 'AfterValidate', status: 'Skipped' as const },
        ],
      },
    };
    expect(deploymentFailure(deployment, [target])).toBe(
      'ValidateService failed on i-0123456789abcdef0: ScriptFailed, script scripts/check.sh, Script at specified location: scripts/check.sh run as user root failed with exit code 1\n[stdout]health: 503',
    );
  });

  it("reads a Lambda or ECS target's lifecycle events the same way", () => {
    const target = {
      deploymentTargetType: 'LambdaTarget' as const,
      lambdaTarget: {
        targetId: 'orders:live',
        lifecycleEvents: [
          {
            lifecycleEventName: 'BeforeAllowTraffic',
            status: 'Failed' as const,
            diagnostics: { errorCode: 'UnknownError' as const, message: 'The hook answered Failed.' },
          },
        ],
      },
    };
    expect(deploymentFailure(deployment, [target])).toBe('BeforeAllowTraffic failed on orders:live: UnknownError, The hook answered Failed.');
  });

  it("gives the deployment's error information where no target has a failed event, and says so where CodeDeploy gave nothing", () => {
    const stopped = {
      deploymentTargetType: 'InstanceTarget' as const,
      instanceTarget: { targetId: 'i-1', lifecycleEvents: [{ lifecycleEventName: 'Install', status: 'Skipped' as const }] },
    };
    expect(deploymentFailure(deployment, [stopped])).toBe('HEALTH_CONSTRAINTS: The overall deployment failed.');
    expect(deploymentFailure({ deploymentId: 'd-1' }, [])).toBe('CodeDeploy gave no reason');
  });
});
