import { writeFile } from 'node:fs/promises';
import { buffer } from 'node:stream/consumers';
import { ZipFile } from 'yazl';

export interface CraftedEntry {
  name: string;
  content: string;
  mode?: number;
}

/** True when yazl would write `name` as it is. */
function yazlAccepts(name: string): boolean {
  const normalized = name.replace(/\\/g, '/');
  return !normalized.startsWith('/') && !normalized.split('/').includes('..');
}

/**
 * A zip that may hold entry names yazl refuses to write: such an entry is added under a
 * placeholder of the same length, which is then replaced in the local and central headers alike.
 */
export async function craftZip(zipFile: string, entries: CraftedEntry[]): Promise<void> {
  const zip = new ZipFile();
  const renames: { from: Buffer; to: Buffer }[] = [];
  entries.forEach((entry, index) => {
    const placeholder = yazlAccepts(entry.name) ? entry.name : String.fromCharCode(81 + index).repeat(Buffer.byteLength(entry.name));
    if (placeholder !== entry.name) renames.push({ from: Buffer.from(placeholder), to: Buffer.from(entry.name) });
    zip.addBuffer(Buffer.from(entry.content), placeholder, { mode: entry.mode ?? 0o100644, compress: false });
  });
  zip.end();
  const bytes = await buffer(zip.outputStream);
  for (const { from, to } of renames) {
    let at = bytes.indexOf(from);
    expect(at).not.toBe(-1);
    while (at !== -1) {
      to.copy(bytes, at);
      at = bytes.indexOf(from, at + from.length);
    }
  }
  await writeFile(zipFile, bytes);
}
