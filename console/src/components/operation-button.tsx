import { useEffect, useId, useRef, useState } from 'preact/hooks';
import { ConfirmDialog, type ConfirmDialogProps } from './confirm-dialog';

export interface OperationButtonProps extends Omit<ConfirmDialogProps, 'onClose' | 'title'> {
  label: string;
  /** Why the operation cannot be done now; the button is then shown disabled, with this reason. */
  disabledReason?: string | undefined;
  /** The dialog's title; the button's label by default. */
  title?: string;
  /** Whether the reason is shown beside the button; where it is not, its container says it once for several buttons. */
  showReason?: boolean;
}

/**
 * A button for an operation that changes something: it asks for confirmation in a dialog first.
 * One that is not allowed now stays in view, disabled, and says why.
 */
export function OperationButton({ label, disabledReason, title, showReason = true, ...dialog }: OperationButtonProps) {
  const [open, setOpen] = useState(false);
  const reasonId = useId();
  const button = useRef<HTMLButtonElement>(null);
  const wasOpen = useRef(false);
  // Once its dialog has closed, the focus comes back to the button, where the user left it.
  useEffect(() => {
    if (wasOpen.current && !open) button.current?.focus();
    wasOpen.current = open;
  }, [open]);
  return (
    <span class="operation">
      <button
        ref={button}
        type="button"
        class={dialog.danger ? 'danger' : undefined}
        {...(disabledReason ? { 'aria-disabled': 'true', 'aria-describedby': reasonId, title: disabledReason } : {})}
        onClick={() => !disabledReason && setOpen(true)}
      >
        {label}
      </button>
      {disabledReason && (
        <span id={reasonId} class={showReason ? 'reason' : 'visually-hidden'}>
          {disabledReason}
        </span>
      )}
      {open && <ConfirmDialog title={title ?? label} {...dialog} onClose={() => setOpen(false)} />}
    </span>
  );
}
