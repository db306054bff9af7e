import type { ApprovalRecord } from '../ports/approval-store';

const escape = (text: string) => text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const STYLE = `body{font-family:system-ui,sans-serif;max-width:42rem;margin:2rem auto;padding:0 1rem;color:#1f2933}
dt{font-weight:600;margin-top:.5rem}dd{margin:0}textarea,input{width:100%;box-sizing:border-box;margin:.25rem 0 .75rem}
button{font-size:1rem;padding:.5rem 1.25rem;margin-right:.5rem}.approve{background:#1f7a3a;color:#fff}.reject{background:#b42318;color:#fff}`;

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<meta name="robots" content="noindex"><title>${escape(title)}</title><style>${STYLE}</style></head>
<body>${body}</body></html>
`;
}

/** What was built: the revisions of the source actions, as pairs to show. */
export type BuiltFrom = { action: string; details: Record<string, string> }[];

function details(approval: ApprovalRecord, builtFrom: BuiltFrom): string {
  const rows: [string, string][] = [
    ['Pipeline', approval.pipelineName],
    ['Stage', approval.stageName],
    ['Action', approval.actionName],
    ['Execution', approval.pipelineExecutionId],
    ...(approval.customData ? ([['Notes', approval.customData]] as [string, string][]) : []),
  ];
  const link =
    approval.externalEntityLink && /^https?:\/\//i.test(approval.externalEntityLink)
      ? `<dt>Content to review</dt><dd><a href="${escape(approval.externalEntityLink)}" rel="noreferrer noopener">${escape(approval.externalEntityLink)}</a></dd>`
      : '';
  const built = builtFrom
    .map(
      ({ action, details: values }) =>
        `<dt>Built from ${escape(action)}</dt><dd>${Object.entries(values)
          .map(([key, value]) => `${escape(key)}: ${escape(value)}`)
          .join('<br>')}</dd>`,
    )
    .join('');
  return `<dl>${rows.map(([key, value]) => `<dt>${escape(key)}</dt><dd>${escape(value)}</dd>`).join('')}${link}${built}</dl>`;
}

/** The confirmation page: reading it changes nothing; only its form's POST decides. */
export function approvalPage(approval: ApprovalRecord, builtFrom: BuiltFrom): string {
  return page(
    `Approve ${approval.stageName}/${approval.actionName}?`,
    `<h1>Approval needed</h1>
${details(approval, builtFrom)}
<p>This request expires at ${escape(approval.expiresAt)}.</p>
<form method="post">
<input type="hidden" name="nonce" value="${escape(approval.nonce)}">
<label for="approver">Your name</label><input id="approver" name="approver" autocomplete="name" maxlength="100">
<label for="comment">Comment</label><textarea id="comment" name="comment" rows="3" maxlength="512"></textarea>
<button class="approve" type="submit" name="decision" value="approve">Approve</button>
<button class="reject" type="submit" name="decision" value="reject">Reject</button>
</form>`,
  );
}

/** What a link shows once it is decided, expired, or not valid. */
export function approvalNotice(title: string, message: string, approval?: ApprovalRecord): string {
  return page(title, `<h1>${escape(title)}</h1><p>${escape(message)}</p>${approval ? details(approval, []) : ''}`);
}
