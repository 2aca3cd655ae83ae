/**
 * Escaping for every output format. Finding text comes from external tools
 * and is untrusted: every string from a report goes through one of these.
 */

/**
 * Characters XML 1.0 forbids even as references: C0 controls other than tab,
 * LF and CR, lone surrogates, U+FFFE and U+FFFF. HTML tolerates them but they
 * are never meaningful in a report, so both formats drop them.
 */
const FORBIDDEN_XML_CHARS = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

export function stripForbiddenChars(text: string): string {
  return text.replace(FORBIDDEN_XML_CHARS, "");
}

const MARKUP_ENTITIES: Readonly<Record<string, string>> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/** Text for HTML element content or a quoted attribute value. */
export function escapeHtml(text: string): string {
  return stripForbiddenChars(text).replace(/[&<>"']/g, (c) => MARKUP_ENTITIES[c]);
}

/** XML text content. */
export function escapeXmlText(text: string): string {
  return stripForbiddenChars(text).replace(/[&<>]/g, (c) => MARKUP_ENTITIES[c]);
}

/** XML attribute value (double-quoted); whitespace is encoded so parsers keep it. */
export function escapeXmlAttribute(text: string): string {
  return stripForbiddenChars(text)
    .replace(/[&<>"']/g, (c) => MARKUP_ENTITIES[c])
    .replace(/\t/g, "&#9;")
    .replace(/\n/g, "&#10;")
    .replace(/\r/g, "&#13;");
}

/**
 * Markdown inline text: backslash-escapes the punctuation that could start
 * emphasis, links, images, code, inline HTML, entities, headings or table
 * cells, plus list/quote/rule markers at line starts, so tool output renders
 * literally. (`(`, `!` and `{}` need no escape once `[` is escaped.) Newlines
 * are kept; use `markdownCell` inside tables.
 */
export function escapeMarkdown(text: string): string {
  return stripForbiddenChars(text)
    .replace(/\r\n?/g, "\n")
    .replace(/[\\`*_[\]<>#|~&]/g, "\\$&")
    .replace(/^(\s*)([-+=]|\d+[.)])/gm, (_m, indent: string, marker: string) => `${indent}${marker.replace(/[-+=.)]$/, "\\$&")}`);
}

/** One table cell: escaped, with `|` escaped and line breaks as <br>. */
export function markdownCell(text: string): string {
  return escapeMarkdown(text).trim().replace(/\n+/g, "<br>");
}

/**
 * A code span that cannot be broken out of: the fence is one backtick longer
 * than the longest backtick run inside. In a table cell, pass `inTable` so
 * `|` is escaped too (GFM splits cells on it even inside code spans).
 */
export function markdownCode(text: string, inTable = false): string {
  const clean = stripForbiddenChars(text).replace(/\s*\n\s*/g, " ");
  const longestRun = Math.max(0, ...(clean.match(/`+/g) ?? []).map((run) => run.length));
  const fence = "`".repeat(longestRun + 1);
  const padded = clean.startsWith("`") || clean.endsWith("`") ? ` ${clean} ` : clean;
  const span = `${fence}${padded}${fence}`;
  return inTable ? span.replace(/\|/g, "\\|") : span;
}
