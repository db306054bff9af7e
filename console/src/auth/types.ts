/** How the console page proves who its user is, whichever runtime serves it. */
export interface ConsoleAuth {
  /** The headers that authenticate a request of this method, or undefined when signed out. */
  headers(method: string): Record<string, string> | undefined;
  /**
   * Finishes a sign-in the page was reached by (a one-time link, an OAuth redirect), or keeps a
   * session already held: true when signed in.
   */
  resume(): Promise<boolean>;
  signOut(): void;
  /** What the sign-in screen offers: a line of text, and a button's label and action where there is one. */
  signInPrompt(): { text: string; button?: { label: string; action: () => void } };
}
