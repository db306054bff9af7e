import { randomBytes } from 'node:crypto';
import { link, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ensurePrivateDirectory } from './private-directory';

/**
 * A file in a data dir that holds a secret, readable by this user only. It is created on first
 * use, and concurrent first uses all end up with the same content.
 */
export class SecretFile {
  constructor(
    readonly file: string,
    /** The content of a new file. */
    private readonly create: () => string,
  ) {}

  /** The content, created if there is none. */
  async read(): Promise<string> {
    try {
      return await readFile(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    const candidate = await this.writeCandidate();
    try {
      // A link fails if another process published first, and never shows a half-written file.
      await link(candidate, this.file).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'EEXIST') throw error;
      });
    } finally {
      await rm(candidate, { force: true });
    }
    return readFile(this.file, 'utf8');
  }

  /** Replaces the content with a new one. */
  async replace(): Promise<string> {
    const candidate = await this.writeCandidate();
    await rename(candidate, this.file);
    return readFile(this.file, 'utf8');
  }

  /** Writes new content beside the file, complete and private, for a link or rename to publish. */
  private async writeCandidate(): Promise<string> {
    await ensurePrivateDirectory(path.dirname(this.file));
    const candidate = `${this.file}.${process.pid}.${randomBytes(4).toString('hex')}`;
    await writeFile(candidate, this.create(), { mode: 0o600, flag: 'wx' });
    return candidate;
  }
}
