'use strict';
// Builds the site into dist/: the version and notes come from the environment the build gives.
const fs = require('node:fs');
const path = require('node:path');
const { releaseNotes, renderPage } = require('./src/release-notes');

const version = process.env.SITE_VERSION || require('./package.json').version;
const messages = (process.env.COMMIT_MESSAGES || 'feat: first release').split('\n---\n');
fs.mkdirSync('dist', { recursive: true });
fs.writeFileSync(path.join('dist', 'index.html'), renderPage({ title: process.env.SITE_TITLE || 'Example', version, notes: releaseNotes(messages) }));
fs.copyFileSync(path.join('src', 'style.css'), path.join('dist', 'style.css'));
console.log(`Built dist/ for version ${version}`);
