'use strict';

/** Turns commit messages into release notes: one entry per conventional commit type. */
function releaseNotes(messages) {
  const sections = { feat: 'Features', fix: 'Fixes' };
  const notes = {};
  for (const message of messages) {
    const match = /^(\w+)(?:\([^)]*\))?!?:\s*(.+)$/.exec(message.split('\n')[0]);
    const section = match && sections[match[1]];
    if (!section) continue;
    (notes[section] ??= []).push(match[2].trim());
  }
  return notes;
}

function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}

/** The page: a title, the version and the release notes. */
function renderPage({ title, version, notes }) {
  const sections = Object.entries(notes)
    .map(([section, entries]) => `<h2>${escapeHtml(section)}</h2>\n<ul>${entries.map((e) => `<li>${escapeHtml(e)}</li>`).join('')}</ul>`)
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>${escapeHtml(title)}</title><link rel="stylesheet" href="style.css"></head>
<body>
<h1>${escapeHtml(title)}</h1>
<p class="version">Version ${escapeHtml(version)}</p>
${sections}
</body>
</html>
`;
}

module.exports = { releaseNotes, renderPage, escapeHtml };
