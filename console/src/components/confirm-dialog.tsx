import type { ComponentChildren } from 'preact';
import { useEffect, useId, useRef, useState } from 'preact/hooks';

export interface ConfirmDialogProps {
  title: string;
  /** What confirming does, said plainly. */
  description: ComponentChildren;
  confirmLabel: string;
  /** Runs the operation; a rejection's message is shown in the dialog, which stays open. */
  onConfirm: (form: FormData) => Promise<void>;
  onClose: () => void;
  /** Fields whose values `onConfirm` receives. */
  children?: ComponentChildren;
  danger?: boolean;
}

/** A modal confirmation, on the native `<dialog>`: it takes the focus, keeps it inside, and closes on Escape. */
export function ConfirmDialog({ title, description, confirmLabel, onConfirm, onClose, children, danger }: ConfirmDialogProps) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const titleId = useId();
  const descriptionId = useId();

  useEffect(() => dialog.current?.showModal(), []);

  const submit = async (event: SubmitEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await onConfirm(new FormData(event.currentTarget as HTMLFormElement));
      onClose();
    } catch (failure) {
      setError((failure as Error).message);
      setBusy(false);
    }
  };

  return (
    <dialog ref={dialog} aria-labelledby={titleId} aria-describedby={descriptionId} onClose={onClose} onCancel={onClose}>
      <form method="dialog" onSubmit={(event) => void submit(event)}>
        <h2 id={titleId}>{title}</h2>
        <div id={descriptionId}>{description}</div>
        {children}
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <div class="dialog-buttons">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" class={danger ? 'danger' : 'primary'} disabled={busy}>
            {confirmLabel}
          </button>
        </div>
      </form>
    </dialog>
  );
}

/** A text field of the dialog's form; empty when it is missing. */
export const textField = (form: FormData, name: string): string => {
  const value = form.get(name);
  return typeof value === 'string' ? value : '';
};
