const enc = encodeURIComponent;

/** The console's addresses, after the `#`. */
export const paths = {
  pipelines: () => '/',
  pipeline: (name: string) => `/pipelines/${enc(name)}`,
  history: (name: string) => `/pipelines/${enc(name)}/executions`,
  execution: (name: string, id: string) => `/pipelines/${enc(name)}/executions/${enc(id)}`,
  action: (name: string, id: string, stage: string, action: string) => `/pipelines/${enc(name)}/executions/${enc(id)}/actions/${enc(stage)}/${enc(action)}`,
};

/** Only a web address is made a link: a `javascript:` URL from a provider's answer must not run. */
export const safeUrl = (url: string | undefined): string | undefined => (url && /^https?:\/\//i.test(url) ? url : undefined);

/** An execution id as a person compares them: its first eight characters. */
export const shortId = (id: string): string => id.slice(0, 8);
