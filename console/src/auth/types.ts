/** How the console page proves who its user is, whichever runtime serves it. */
export interface ConsoleAuth {
  /** The headers that authenticate a request of this method, or undefined when signed out. */
  headers(method: string): Record<string, string> | undefined;
  /**
   * Finishes a sign-in the page was reached by (a one-time link, an OAuth redirect), or keeps a
   * session already held: true when signed in.
   */
  resume(): Promise<boolean>;
  /** Ends the session, where it is held too (Cognito's hosted sign-in ends its own). */
  signOut(): void;
  /**
   * Drops what this page holds, once the server has refused it: the user signs in again, but a
   * session held elsewhere is left alone, so that no refused request sends the page away.
   */
  forget(): void;
  /** What the sign-in screen offers: a line of text, and a button's label and action where there is one. */
  signInPrompt(): { text: string; button?: { label: string; action: () => void } };
}
