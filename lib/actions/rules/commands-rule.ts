import { runCommands } from '../run-commands';
import { commandsRuleSpec } from './commands-rule-spec';
import type { RuleProvider } from './rule-provider';

/** CodePipeline's Commands rule: the rule's commands, run in the action runner with the Commands action's buildspec; it passes when they all succeed. */
export const commandsRule: RuleProvider = {
  spec: commandsRuleSpec,
  async check(context) {
    const { rule } = context;
    try {
      await runCommands({
        ...context,
        action: {
          name: rule.name,
          actionTypeId: { category: 'Compute', owner: 'AWS', provider: 'Commands', version: '1' },
          commands: rule.commands,
          inputArtifacts: rule.inputArtifacts,
          ...(rule.timeoutInMinutes ? { timeoutInMinutes: rule.timeoutInMinutes } : {}),
        },
      });
      return { passed: true, summary: 'The commands succeeded.' };
    } catch (error) {
      if (context.signal.aborted) throw error;
      return { passed: false, summary: (error as Error).message };
    }
  },
};
