// Writes the provider table that `sluice providers --markdown` prints from the registry into the
// README, between its two markers. A unit test fails while the README's table is stale.
const { execFileSync } = require('node:child_process');
const { readFileSync, writeFileSync } = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const readme = path.join(root, 'README.md');
const START = '<!-- providers:start -->';
const END = '<!-- providers:end -->';

const table = execFileSync(process.execPath, [path.join(root, 'dist', 'sluice.cjs'), 'providers', '--markdown'], { encoding: 'utf8' }).trim();
const text = readFileSync(readme, 'utf8');
const start = text.indexOf(START);
const end = text.indexOf(END);
if (start < 0 || end < start) {
  console.error(`README.md has no ${START} ... ${END} markers to write the provider table between.`);
  process.exit(1);
}
writeFileSync(readme, `${text.slice(0, start + START.length)}\n${table}\n${text.slice(end)}`);
