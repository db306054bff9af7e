import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { text } from 'node:stream/consumers';
import { exportJWK, generateKeyPair } from 'jose';
import Provider, { type KoaContextWithOIDC } from 'oidc-provider';

/** The user the stand-in signs in, with the password its sign-in form takes. */
export interface SignInUser {
  username: string;
  password: string;
}

export interface HostedSignIn {
  /** The issuer of its ID tokens, standing for the pool's (`https://cognito-idp.<region>.amazonaws.com/<pool id>`). */
  issuer: string;
  /** Its host, standing for the pool's hosted domain (`<prefix>.auth.<region>.amazoncognito.com`). */
  host: string;
  jwksUrl: string;
  close(): Promise<void>;
}

/** Cognito's claims in an ID token: the user pool's user name beside `sub`. */
const CLAIMS = { openid: ['sub', 'cognito:username'], email: ['email', 'email_verified'], profile: ['name'] };

const escaped = (value: string) => value.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);

/** The sign-in form, as Cognito's hosted pages ask for a user name and a password. */
const signInForm = (uid: string, failed: boolean) => `<!DOCTYPE html>
<html><head><title>Sign in</title></head><body>
<h1>Sign in</h1>
${failed ? '<p role="alert">Incorrect username or password.</p>' : ''}
<form method="post" action="/interaction/${escaped(uid)}">
<label>Username <input name="username" autocomplete="username" required></label>
<label>Password <input name="password" type="password" autocomplete="current-password" required></label>
<button type="submit">Sign in</button>
</form></body></html>`;

/**
 * A local stand-in for a Cognito user pool's hosted sign-in, which cannot run here: an OpenID
 * Connect provider (oidc-provider) on loopback, with one public client like the stack's
 * ConsoleUserPoolClient (authorization code grant with PKCE, no secret, `redirectUri` for both
 * sign-in and sign-out), one user, ID tokens signed with RS256 that carry Cognito's claims, no
 * consent step (Cognito asks none of its own app clients' users), and Cognito's `/logout`
 * (`client_id`, `logout_uri`) instead of OpenID Connect's end-session endpoint, which Cognito's
 * discovery document does not name.
 */
export async function startHostedSignIn({ clientId, redirectUri, user }: { clientId: string; redirectUri: string; user: SignInUser }): Promise<HostedSignIn> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  const issuer = `http://${host}`;
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code'],
        response_types: ['code'],
        redirect_uris: [redirectUri],
      },
    ],
    jwks: { keys: [{ ...(await exportJWK(privateKey)), kid: 'hosted-sign-in', alg: 'RS256', use: 'sig' }] },
    cookies: { keys: ['hosted-sign-in-cookies'] },
    claims: CLAIMS,
    // Cognito puts the user's claims in the ID token, whatever the response type.
    conformIdTokenClaims: false,
    pkce: { required: () => true },
    // Cognito's defaults: tokens for an hour, the hosted session and a sign-in in progress for less.
    ttl: { IdToken: 3600, AccessToken: 3600, AuthorizationCode: 300, Interaction: 900, Session: 3600, Grant: 3600 },
    clientBasedCORS: (_ctx, origin) => origin === new URL(redirectUri).origin,
    features: { devInteractions: { enabled: false }, rpInitiatedLogout: { enabled: false } },
    interactions: { url: (_ctx: KoaContextWithOIDC, interaction) => `/interaction/${interaction.uid}` },
    findAccount: (_ctx, id) =>
      id === user.username
        ? { accountId: id, claims: () => ({ sub: id, 'cognito:username': id, email: `${id}@example.com`, email_verified: true, name: id }) }
        : undefined,
    async loadExistingGrant(ctx) {
      const { Grant } = ctx.oidc.provider;
      const grantId = ctx.oidc.session!.grantIdFor(ctx.oidc.client!.clientId);
      if (grantId) return Grant.find(grantId);
      const grant = new Grant({ clientId: ctx.oidc.client!.clientId, accountId: ctx.oidc.session!.accountId! });
      grant.addOIDCScope(['openid', ...Object.keys(CLAIMS)].join(' '));
      await grant.save();
      return grant;
    },
  });

  provider.use(async (ctx, next) => {
    const interaction = /^\/interaction\/([\w-]+)$/.exec(ctx.path);
    if (interaction && ctx.method === 'GET') {
      await provider.interactionDetails(ctx.req, ctx.res);
      ctx.type = 'html';
      ctx.body = signInForm(interaction[1]!, false);
    } else if (interaction && ctx.method === 'POST') {
      const form = new URLSearchParams(await text(ctx.req));
      if (form.get('username') !== user.username || form.get('password') !== user.password) {
        ctx.type = 'html';
        ctx.body = signInForm(interaction[1]!, true);
        return;
      }
      await provider.interactionFinished(ctx.req, ctx.res, { login: { accountId: user.username } }, { mergeWithLastSubmission: false });
      ctx.respond = false;
    } else if (ctx.path === '/logout' && ctx.method === 'GET') {
      // Cognito's sign-out: it ends the hosted session and goes back to a sign-out URL of the client.
      const back = ctx.query.logout_uri;
      if (ctx.query.client_id !== clientId || back !== redirectUri) {
        ctx.status = 400;
        ctx.body = 'Required String parameter client_id or logout_uri is invalid';
        return;
      }
      ctx.cookies.set('_session', null);
      ctx.cookies.set('_session.sig', null);
      ctx.redirect(back);
    } else {
      await next();
    }
  });
  server.on('request', provider.callback());
  return {
    issuer,
    host,
    jwksUrl: `${issuer}/jwks`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
