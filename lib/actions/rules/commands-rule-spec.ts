import type { RuleSpec } from '../../core/rules';
import { commandsSpec } from '../commands';

/*
 * The Commands rule's spec, apart from its check (commands-rule.ts): validation reads it in every
 * function, and the check runs a local build, whose test-report parser and process tree killer
 * only the action runner needs.
 */
export const commandsRuleSpec: RuleSpec = {
  provider: 'Commands',
  version: '1',
  description: "Runs the rule's `commands` in a shell, in a workspace made from its input artifacts, as the Commands action does; passes when they succeed.",
  configuration: [],
  inputArtifacts: commandsSpec.inputArtifacts,
  commands: true,
  runtimes: commandsSpec.runtimes,
};
