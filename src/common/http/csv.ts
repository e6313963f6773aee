/**
 * CSV (RFC 4180) for files people open in spreadsheets. A cell that starts with = + - @ (or a tab
 * or carriage return) would run as a formula in Excel or LibreOffice, so it is prefixed with a
 * single quote (OWASP "CSV injection"); cells with a comma, quote or line break are quoted.
 */
export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  let text = String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One CSV record, CRLF-terminated. */
export const csvRow = (cells: readonly unknown[]): string => cells.map(csvCell).join(',') + '\r\n';
