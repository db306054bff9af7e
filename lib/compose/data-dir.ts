/** Where the local installation lives unless `--data-dir` says otherwise. */
export const DEFAULT_DATA_DIR = '.sluice';
