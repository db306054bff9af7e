import { useId, useState } from 'preact/hooks';
import { ConfirmDialog, type ConfirmDialogProps } from './confirm-dialog';

export interface OperationButtonProps extends Omit<ConfirmDialogProps, 'onClose' | 'title'> {
  label: string;
  /** Why the operation cannot be done now; the button is then shown disabled, with this reason. */
  disabledReason?: string | undefined;
  /** The dialog's title; the button's label by default. */
  title?: string;
}

/**
 * A button for an operation that changes something: it asks for confirmation in a dialog first.
 * One that is not allowed now stays in view, disabled, and says why.
 */
export function OperationButton({ label, disabledReason, title, ...dialog }: OperationButtonProps) {
  const [open, setOpen] = useState(false);
  const reasonId = useId();
  return (
    <span class="operation">
      <button
        type="button"
        class={dialog.danger ? 'danger' : undefined}
        aria-disabled={disabledReason ? 'true' : undefined}
        aria-describedby={disabledReason ? reasonId : undefined}
        title={disabledReason}
        onClick={() => !disabledReason && setOpen(true)}
      >
        {label}
      </button>
      {disabledReason && (
        <span id={reasonId} class="reason">
          {disabledReason}
        </span>
      )}
      {open && <ConfirmDialog title={title ?? label} {...dialog} onClose={() => setOpen(false)} />}
    </span>
  );
}
