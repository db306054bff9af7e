import { useEffect, useMemo, useState } from 'preact/hooks';
import { Link, Route, Router, Switch } from 'wouter-preact';
import { useHashLocation } from 'wouter-preact/use-hash-location';
import type { ConsoleConfig } from '../../lib/api/console-config';
import { consoleApi } from './api/client';
import { consoleAuth } from './auth';
import { ConsoleContext } from './live/hooks';
import { ActionPage } from './pages/action-page';
import { ExecutionPage } from './pages/execution-page';
import { HistoryPage } from './pages/history-page';
import { PipelinePage } from './pages/pipeline-page';
import { PipelinesPage } from './pages/pipelines-page';

/** The console: a sign-in prompt until the user is signed in, then the pages, addressed after `#`. */
export function App({ config }: { config: ConsoleConfig }) {
  const auth = useMemo(() => consoleAuth(config), [config]);
  const [signedIn, setSignedIn] = useState<boolean>();
  const api = useMemo(() => consoleApi(auth, () => setSignedIn(false)), [auth]);
  useEffect(() => {
    const resume = () => auth.resume().then(setSignedIn, () => setSignedIn(false));
    void resume();
    // A sign-in link opened in a tab that shows the console already changes only its hash.
    const signInLink = () => {
      if (!location.hash.startsWith('#sign-in=')) return;
      setSignedIn(undefined);
      void resume();
    };
    addEventListener('hashchange', signInLink);
    return () => removeEventListener('hashchange', signInLink);
  }, [auth]);

  if (signedIn === undefined) return <p role="status">Signing in…</p>;
  if (!signedIn) {
    const prompt = auth.signInPrompt();
    return (
      <main class="sign-in">
        <h1>Sluice console</h1>
        <p>{prompt.text}</p>
        {prompt.button && (
          <button type="button" class="primary" onClick={prompt.button.action}>
            {prompt.button.label}
          </button>
        )}
      </main>
    );
  }
  return (
    <ConsoleContext.Provider value={{ api, config }}>
      <Router hook={useHashLocation}>
        <header class="top-bar">
          <Link href="/" class="brand">
            Sluice
          </Link>
          <button
            type="button"
            onClick={() => {
              auth.signOut();
              setSignedIn(false);
            }}
          >
            Sign out
          </button>
        </header>
        <Switch>
          <Route path="/">{() => <PipelinesPage />}</Route>
          <Route path="/pipelines/:name">{(params) => <PipelinePage name={params.name} />}</Route>
          <Route path="/pipelines/:name/executions">{(params) => <HistoryPage name={params.name} />}</Route>
          <Route path="/pipelines/:name/executions/:id">{(params) => <ExecutionPage name={params.name} id={params.id} />}</Route>
          <Route path="/pipelines/:name/executions/:id/actions/:stage/:action">
            {(params) => <ActionPage name={params.name} id={params.id} stage={params.stage} action={params.action} />}
          </Route>
          <Route>
            <main>
              <h1>Nothing here</h1>
              <p>
                <Link href="/">See the pipelines</Link>
              </p>
            </main>
          </Route>
        </Switch>
      </Router>
    </ConsoleContext.Provider>
  );
}
