/** Systems Manager's Parameter Store, as a build's PARAMETER_STORE variables read it. */
export interface ParameterStore {
  /** GetParameter with decryption: the parameter's value. Rejects when there is no such parameter. */
  parameter(name: string): Promise<string>;
}

/** Secrets Manager, as a build's SECRETS_MANAGER variables read it. */
export interface SecretStore {
  /** GetSecretValue: the secret's text, of the version given by stage or id (AWSCURRENT when neither). */
  secret(secretId: string, version: { versionStage?: string; versionId?: string }): Promise<string>;
}

/** Where a build's secret variables are read; locally, only the services that an endpoint variable points at. */
export interface BuildSecrets {
  parameterStore?: ParameterStore;
  secretsManager?: SecretStore;
}
