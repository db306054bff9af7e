'use strict';
const test = require('node:test');
const assert = require('node:assert');
const { releaseNotes, renderPage } = require('../src/release-notes');

test('groups conventional commits into sections', () => {
  const notes = releaseNotes(['feat: dark mode', 'fix(api): retry on 503', 'chore: bump deps', 'feat!: new URL scheme']);
  assert.deepStrictEqual(notes, { Features: ['dark mode', 'new URL scheme'], Fixes: ['retry on 503'] });
});

test('escapes what it renders', () => {
  const page = renderPage({ title: 'A <b>site</b>', version: '1.0.0', notes: { Fixes: ['x & y'] } });
  assert.match(page, /A &lt;b&gt;site&lt;\/b&gt;/);
  assert.match(page, /<li>x &amp; y<\/li>/);
  assert.match(page, /Version 1\.0\.0/);
});
