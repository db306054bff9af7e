// asl-validator on every definition in statemachines/. Its CLI checks only the first file after a
// `--json-path`, so the flag is repeated for each file.
const { spawnSync } = require('node:child_process');
const { readdirSync } = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const definitions = readdirSync(path.join(root, 'statemachines'))
  .filter((file) => file.endsWith('.asl.json'))
  .sort()
  .map((file) => path.join('statemachines', file));
if (definitions.length === 0) {
  console.error('No statemachines/*.asl.json to validate: packaging (`npm run package`) compiles pipelines/*.yml into them.');
  process.exit(1);
}
const validator = path.join(root, 'node_modules', '.bin', 'asl-validator');
const result = spawnSync(
  validator,
  definitions.flatMap((file) => ['--json-path', file]),
  { cwd: root, stdio: 'inherit' },
);
process.exit(result.status ?? 1);
