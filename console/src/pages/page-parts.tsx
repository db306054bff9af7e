/** What a page shows while its first answer is on its way. */
export function Loading() {
  return (
    <p class="muted" role="status">
      Loading…
    </p>
  );
}

/** A failed read, said where the page would have shown it. */
export function ErrorNote({ error }: { error: Error | undefined }) {
  if (!error) return null;
  return (
    <p class="error" role="alert">
      {error.message}
    </p>
  );
}
