import { render } from 'preact';
import type { ConsoleConfig } from '../../lib/api/console-config';
import { App } from './app';
import './styles.css';

const root = document.getElementById('app')!;

/** The configuration comes first: it says how the user signs in, and how the page follows executions. */
async function start(): Promise<void> {
  const response = await fetch('/console/config.json');
  if (!response.ok) throw new Error(`The console's configuration could not be read: ${response.status} ${response.statusText}.`);
  render(<App config={(await response.json()) as ConsoleConfig} />, root);
}

start().catch((error: Error) => {
  root.textContent = error.message;
});
