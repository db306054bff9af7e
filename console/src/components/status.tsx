/** How each status reads: a symbol and a word, never a colour alone. */
const LOOKS: Record<string, { icon: string; label: string }> = {
  InProgress: { icon: '⟳', label: 'In progress' },
  Stopping: { icon: '◼', label: 'Stopping' },
  Stopped: { icon: '◼', label: 'Stopped' },
  Succeeded: { icon: '✔', label: 'Succeeded' },
  Superseded: { icon: '↷', label: 'Superseded' },
  Failed: { icon: '✖', label: 'Failed' },
  Cancelled: { icon: '⊘', label: 'Cancelled' },
  Abandoned: { icon: '⊘', label: 'Abandoned' },
  Skipped: { icon: '↷', label: 'Skipped' },
  WaitingForApproval: { icon: '◔', label: 'Waiting for approval' },
  NotRun: { icon: '○', label: 'Not run yet' },
};

/** A status as a badge: its symbol (hidden from screen readers, which read the word) and its word. */
export function StatusBadge({ status }: { status: string }) {
  const look = LOOKS[status] ?? { icon: '•', label: status };
  return (
    <span class={`status status-${status}`} data-status={status}>
      <span class="status-icon" aria-hidden="true">
        {look.icon}
      </span>
      {look.label}
    </span>
  );
}
