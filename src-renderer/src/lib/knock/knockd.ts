/**
 * Files picked for a knockd.conf import: which one is the configuration, and which are the
 * one-time sequence files it names. The engine keys those by the path written in the conf; a
 * browser only knows a picked file's name, so they are matched by base name.
 */

/** A file read in the browser. */
export interface PickedFile {
  name: string;
  text: string;
}

/** The paths of `one_time_sequences = PATH` lines. */
export function oneTimePaths(conf: string): string[] {
  const paths: string[] = [];
  for (const line of conf.split(/\r?\n/)) {
    const m = /^\s*one_time_sequences\s*=\s*(.+?)\s*$/i.exec(line);
    if (m) paths.push(m[1]!);
  }
  return paths;
}

const baseName = (p: string) => p.split(/[\\/]/).pop() ?? p;

/** True when a file reads like a knockd.conf (a section with a sequence or one-time sequences). */
const looksLikeConf = (text: string) => /^\s*\[[^\]]+\]/m.test(text) && /^\s*(sequence|one_time_sequences)\s*=/im.test(text);

/**
 * Splits picked files into the conf and the one-time sequence files it names. The conf is the
 * file that reads like one (the first, when several do); null when none does.
 */
export function sortPicked(files: readonly PickedFile[]): { conf: PickedFile | null; files: Record<string, string>; unused: string[] } {
  const conf = files.find((f) => looksLikeConf(f.text)) ?? null;
  const out: Record<string, string> = {};
  const used = new Set<PickedFile>(conf ? [conf] : []);
  if (conf) {
    for (const path of oneTimePaths(conf.text)) {
      const file = files.find((f) => f !== conf && baseName(f.name) === baseName(path));
      if (file) {
        out[path] = file.text;
        used.add(file);
      }
    }
  }
  return { conf, files: out, unused: files.filter((f) => !used.has(f)).map((f) => f.name) };
}
