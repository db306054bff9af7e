import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { httpApi } from '../../lib/api/http-api';
import { awsConsole } from '../../lib/compose/aws-console';
import { CONSOLE_VARIABLES } from '../../lib/compose/aws-environment';
import { openLocalInstallation, type LocalInstallation } from '../../lib/compose/local';
import { launchConsoleBrowser, type ConsoleBrowser } from '../support/console-browser';
import { reviewStage, s3SourceStage } from '../support/declarations';
import { startHostedSignIn, type HostedSignIn } from '../support/hosted-sign-in';
import { jwtAuthorizedGateway } from '../support/jwt-authorizer';

/*
 * The console's sign-in on AWS, in Chromium: Cognito's hosted sign-in and API Gateway cannot run
 * here, so local servers speaking their protocols stand in for them. An OpenID Connect provider
 * (test/support/hosted-sign-in.ts) stands for the user pool's hosted sign-in; a gateway
 * (test/support/jwt-authorizer.ts) does what the JWT authorizer does on `/console/api/*` in front
 * of the HTTP API's real handler, which serves the console with the configuration the http
 * function gives it on AWS, naming the stand-in as the pool. The pipelines it lists are a local
 * installation's.
 */

jest.setTimeout(120_000);

const CLIENT_ID = 'console-client';
const USER = { username: 'ada', password: 'Correct-horse-battery-9' };
const PIPELINE = 'console-on-aws';
const PROMPT = 'Sign in with your Sluice console account.';

let installation: LocalInstallation;
let signIn: HostedSignIn;
let gateway: Server;
let origin: string;
let browser: ConsoleBrowser;
const saved = { ...process.env };

beforeAll(async () => {
  installation = await openLocalInstallation({ dataDir: mkdtempSync(path.join(os.tmpdir(), 'sluice-console-aws-')), command: 'test', write: () => undefined });
  await installation.operations.onBehalfOf({ who: 'test', from: 'test' }).createPipeline({ name: PIPELINE, stages: [s3SourceStage(), reviewStage('Approve')] });
  gateway = createServer();
  await new Promise<void>((resolve) => gateway.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(gateway.address() as AddressInfo).port}`;
  signIn = await startHostedSignIn({ clientId: CLIENT_ID, redirectUri: `${origin}/`, user: USER });
  // What serverless.yml gives the http function, naming the stand-in as the pool, its domain and the client.
  Object.assign(process.env, {
    [CONSOLE_VARIABLES.authority]: signIn.issuer,
    [CONSOLE_VARIABLES.domain]: signIn.host,
    [CONSOLE_VARIABLES.clientId]: CLIENT_ID,
  });
  const api = httpApi(
    { api: (caller) => installation.operations.onBehalfOf(caller), approvals: () => installation.deps, console: awsConsole() },
    { log: console },
  );
  gateway.on('request', jwtAuthorizedGateway(api, { issuer: signIn.issuer, audience: CLIENT_ID, jwksUrl: signIn.jwksUrl }));

  browser = await launchConsoleBrowser();
  // The page goes to the hosted domain over HTTPS, as on AWS; the stand-in speaks HTTP, so those requests are carried to it as they are.
  await browser.context.route(`https://${signIn.host}/**`, async (route) =>
    route.fulfill({
      response: await route.fetch({
        url: route
          .request()
          .url()
          .replace(/^https:/, 'http:'),
        maxRedirects: 0,
      }),
    }),
  );
});

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => gateway?.close(resolve));
  await signIn?.close();
  await installation?.close();
  process.env = { ...saved };
});

afterEach(() => {
  expect(browser.errors).toEqual([]);
});

/** Signs in at the hosted sign-in from the console's prompt, and comes back to the pipelines. */
async function signInFromPrompt(password = USER.password): Promise<void> {
  const { page } = browser;
  await page.getByText(PROMPT).waitFor();
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByLabel('Username').fill(USER.username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

describe("the console on AWS, in Chromium, signed in through a stand-in for Cognito's hosted sign-in", () => {
  it('signs in with the code grant and PKCE, and lists the pipelines through the JWT-checking gateway', async () => {
    const { page } = browser;
    await page.goto(`${origin}/`);

    await signInFromPrompt('not-the-password');
    await page.getByRole('alert').getByText('Incorrect username or password.').waitFor();
    await page.getByLabel('Username').fill(USER.username);
    await page.getByLabel('Password').fill(USER.password);
    await page.getByRole('button', { name: 'Sign in' }).click();

    await page.getByRole('heading', { name: 'Pipelines' }).waitFor();
    await page.getByRole('link', { name: PIPELINE }).waitFor();
    // The code is single use: it left the address bar once traded.
    expect(new URL(page.url()).search).toBe('');
    // The ID token is this tab's only: nothing of it went to localStorage.
    expect(await page.evaluate('Object.keys(localStorage)')).toEqual([]);
  });

  it("records what the user changes as done by the Cognito username that the gateway's checked claims name", async () => {
    const { page } = browser;
    await page.getByRole('link', { name: PIPELINE }).click();
    await page.locator('[data-transition="Review"]').getByRole('button', { name: 'Disable transition' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Reason').fill('Hold for the release');
    await dialog.getByRole('button', { name: 'Disable', exact: true }).click();

    await page.locator('[data-transition="Review"]').getByText(`Disabled by ${USER.username}: Hold for the release`).waitFor();
    const state = await installation.operations.getPipelineState(PIPELINE);
    expect(state.stageStates.find((stage) => stage.stageName === 'Review')?.inboundTransitionState).toMatchObject({
      enabled: false,
      lastChangedBy: USER.username,
    });
  });

  it('answers a console request without a valid ID token 401, and the page then asks its user to sign in', async () => {
    const { page } = browser;
    for (const authorization of [undefined, 'Bearer not-a-token']) {
      const answer = await fetch(`${origin}/console/api/pipelines`, { headers: authorization ? { authorization } : {} });
      expect(answer.status).toBe(401);
      expect(await answer.json()).toEqual({ message: 'Unauthorized' });
    }

    // The page's requests lose their token on the way: the gateway refuses them.
    await page.route('**/console/api/**', (route) => {
      const { authorization: _, ...headers } = route.request().headers();
      return route.continue({ headers });
    });
    await page.goto(`${origin}/`);
    await page.getByText(PROMPT).waitFor();
    await page.unroute('**/console/api/**');
    // Chromium logs each refused request as an error: the page's refused requests are the only ones logged.
    const logged = browser.errors.splice(0);
    expect(logged.length).toBeGreaterThan(0);
    expect(logged.filter((error) => !/401 \(Unauthorized\) \(http:\/\/127\.0\.0\.1:\d+\/console\/api\//.test(error))).toEqual([]);

    // A refusal drops only the page's token: the hosted session stands, so signing in again asks for no password.
    expect(new URL(page.url()).origin).toBe(origin);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Pipelines' }).waitFor();
  });

  it('signs out at the hosted domain, which ends its session: signing in again asks for the password', async () => {
    const { page } = browser;
    await page.goto(`${origin}/`);
    await page.getByRole('heading', { name: 'Pipelines' }).waitFor();

    // The page forgets its user, then goes to the hosted domain's /logout, which sends it back: the
    // prompt shows before that round trip, so the page is read once it is back from it.
    await Promise.all([page.waitForEvent('load'), page.getByRole('button', { name: 'Sign out' }).click()]);
    await page.getByText(PROMPT).waitFor();
    expect(await page.evaluate("Object.keys(sessionStorage).filter((key) => key.startsWith('oidc.user'))")).toEqual([]);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByLabel('Password').waitFor();
  });

  it('signs the user out once the ID token has expired, as there is no silent renewal', async () => {
    const { page } = browser;
    await page.goto(`${origin}/`);
    await signInFromPrompt();
    await page.getByRole('heading', { name: 'Pipelines' }).waitFor();

    // The stand-in's ID tokens live an hour, as Cognito's do: two hours on, the page's clock says it has expired.
    await page.clock.setFixedTime(Date.now() + 2 * 60 * 60 * 1000);
    await page.goto(`${origin}/`);
    await page.getByText(PROMPT).waitFor();
    expect(await page.evaluate("Object.keys(sessionStorage).filter((key) => key.startsWith('oidc.user'))")).toEqual([]);
  });
});
