// A results file: a hand-written part (what the bench measures, and the summary of its results)
// above the measured sections, each headed by its date, the newest first.
import { readFileSync, writeFileSync } from 'node:fs';

/** Writes `section` above the file's earlier sections and below its hand-written part, which it keeps. */
export function prependSection(file, section, defaultHeader) {
  let header = defaultHeader;
  let earlier = '';
  try {
    const text = readFileSync(file, 'utf8');
    const cut = text.search(/^## \d{4}-\d\d-\d\d/m);
    header = `${(cut < 0 ? text : text.slice(0, cut)).trimEnd()}\n`;
    if (cut >= 0) earlier = `${text.slice(cut).trimEnd()}\n`;
  } catch {
    // the first results: the default header
  }
  writeFileSync(file, `${header}\n${section}${earlier ? `\n${earlier}` : ''}`);
}
