import { connectionHost, connectionsSchema, hostApiUrl, parseConnections, type Connections } from '../../../lib/core/connection-hosts';
import { installationSettingsSchema } from '../../../lib/core/installation-settings';

const ARN = 'arn:aws:codeconnections:eu-west-1:123456789012:connection/0b1f6a2c-1234-5678-9abc-def012345678';
const OTHER_ARN = 'arn:aws:codestar-connections:eu-west-1:123456789012:connection/ffff0000-1234-5678-9abc-def012345678';

describe('connectionHost', () => {
  const connections: Connections = {
    [ARN]: { type: 'Bitbucket' },
    'ffff0000-1234-5678-9abc-def012345678': { type: 'GitLabSelfManaged', url: 'https://git.example.com' },
  };

  it('finds a connection by its ARN, or by its id alone', () => {
    expect(connectionHost(connections, ARN)).toEqual({ type: 'Bitbucket' });
    expect(connectionHost(connections, OTHER_ARN)).toEqual({ type: 'GitLabSelfManaged', url: 'https://git.example.com' });
  });

  it("takes a connection the settings do not name for GitHub's, as Sluice always read them", () => {
    expect(connectionHost(connections, 'arn:aws:codeconnections:eu-west-1:123456789012:connection/unnamed')).toEqual({ type: 'GitHub' });
    expect(connectionHost({}, undefined)).toEqual({ type: 'GitHub' });
  });
});

describe('hostApiUrl', () => {
  it("is a self-managed server's API under its URL, and each public host's own API otherwise", () => {
    expect(hostApiUrl({ type: 'GitHubEnterpriseServer', url: 'https://ghe.example.com/' })).toBe('https://ghe.example.com/api/v3');
    expect(hostApiUrl({ type: 'GitLabSelfManaged', url: 'https://git.example.com' })).toBe('https://git.example.com/api/v4');
    expect(hostApiUrl({ type: 'GitHub' })).toBe('https://api.github.com');
    expect(hostApiUrl({ type: 'Bitbucket' })).toBe('https://api.bitbucket.org/2.0');
    expect(hostApiUrl({ type: 'GitLab' })).toBe('https://gitlab.com/api/v4');
  });

  it("takes a public host's API from the installation where it names one", () => {
    expect(hostApiUrl({ type: 'GitLab' }, { GitLab: 'http://127.0.0.1:9000/api/v4' })).toBe('http://127.0.0.1:9000/api/v4');
    expect(hostApiUrl({ type: 'GitLabSelfManaged', url: 'https://git.example.com' }, { GitLab: 'http://127.0.0.1:9000/api/v4' })).toBe(
      'https://git.example.com/api/v4',
    );
  });
});

describe('the connections setting', () => {
  const problems = (value: unknown) => connectionsSchema.safeParse(value).error?.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);

  it('refuses a self-managed host without its URL, and a URL for a public host, naming the connection', () => {
    expect(problems({ a: { type: 'GitHubEnterpriseServer' } })).toEqual([
      expect.stringMatching(/^a\.url: a GitHubEnterpriseServer connection needs the server's url/),
    ]);
    expect(problems({ b: { type: 'Bitbucket', url: 'https://bitbucket.example.com' } })).toEqual([
      expect.stringMatching(/^b\.url: Bitbucket has one public API; url is for GitHubEnterpriseServer and GitLabSelfManaged connections/),
    ]);
  });

  it('refuses a host type CodeConnections does not have, and keys it does not know', () => {
    expect(problems({ c: { type: 'AzureDevOps' } })).toEqual([expect.stringMatching(/^c\.type: /)]);
    expect(problems({ d: { type: 'GitLab', token: 'x' } })).toEqual([expect.stringMatching(/^d: Unrecognized key: "token"/)]);
  });

  it('is a key of the installation settings', () => {
    expect(installationSettingsSchema.parse({ connections: { [ARN]: { type: 'GitLab' } } })).toEqual({ connections: { [ARN]: { type: 'GitLab' } } });
  });

  it('parses from JSON text, as the stack passes it; empty is no connections, and bad JSON or a bad host is refused, naming the source', () => {
    expect(parseConnections('', 'CONNECTIONS')).toEqual({});
    expect(parseConnections(`{"${ARN}": {"type": "GitLab"}}`, 'CONNECTIONS')).toEqual({ [ARN]: { type: 'GitLab' } });
    expect(() => parseConnections('{', 'CONNECTIONS')).toThrow(/^CONNECTIONS is not JSON: .*Give an object from connection ARNs or ids/);
    expect(() => parseConnections('{"x": {"type": "GitLabSelfManaged"}}', 'CONNECTIONS')).toThrow(
      /^CONNECTIONS has bad connections: x\.url: a GitLabSelfManaged connection needs/,
    );
  });
});
