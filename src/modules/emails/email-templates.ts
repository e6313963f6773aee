/** One variable a template takes: the administrator fills it in when queueing a message. */
export interface TemplateVariable {
  name: string;
  description: string;
  required: boolean;
  /** Longest accepted value, characters. */
  maxLength: number;
  /** Kept on several lines (paragraphs) in the HTML part; otherwise one line. */
  multiline?: boolean;
}

export interface EmailTemplate {
  id: string;
  name: string;
  description: string;
  variables: TemplateVariable[];
  subject: string;
  text: string;
  html: string;
}

/**
 * Filled in per recipient at send time, never by the administrator: `recipient_name` is the user's
 * name (or e-mail address when unnamed).
 */
export const RECIPIENT_VARIABLES: TemplateVariable[] = [{ name: 'recipient_name', description: "The recipient's name, or e-mail address when the account has no name", required: false, maxLength: 500 }];

const layout = (body: string) =>
  `<!doctype html><html><body style="font-family:Arial,Helvetica,sans-serif;font-size:14px;color:#1f2933">${body}` +
  `<p style="color:#7b8794;font-size:12px">You receive this message as a user of the malware-analysis sandbox.</p></body></html>`;

/** The built-in templates. Placeholders are `{{name}}` of the template's variables or RECIPIENT_VARIABLES only. */
export const EMAIL_TEMPLATES: readonly EmailTemplate[] = [
  {
    id: 'announcement',
    name: 'Announcement',
    description: 'A general announcement to users: a title and a message.',
    variables: [
      { name: 'title', description: 'Subject line and heading', required: true, maxLength: 200 },
      { name: 'message', description: 'The announcement; blank lines separate paragraphs', required: true, maxLength: 20000, multiline: true },
    ],
    subject: '{{title}}',
    text: 'Hello {{recipient_name}},\n\n{{message}}\n',
    html: layout('<p>Hello {{recipient_name}},</p><h2>{{title}}</h2><p>{{message}}</p>'),
  },
  {
    id: 'maintenance',
    name: 'Scheduled maintenance',
    description: 'Tells users when the platform will be unavailable.',
    variables: [
      { name: 'start', description: 'When the maintenance starts (as it should be shown, with time zone)', required: true, maxLength: 100 },
      { name: 'end', description: 'When the platform is expected back', required: true, maxLength: 100 },
      { name: 'details', description: 'What changes, or what users should do', required: false, maxLength: 20000, multiline: true },
    ],
    subject: 'Scheduled maintenance: {{start}} to {{end}}',
    text:
      'Hello {{recipient_name}},\n\nThe sandbox will be unavailable for maintenance from {{start}} to {{end}}. ' +
      'Submissions made meanwhile are queued and analysed afterwards.\n\n{{details}}\n',
    html: layout(
      '<p>Hello {{recipient_name}},</p><p>The sandbox will be unavailable for maintenance from <strong>{{start}}</strong> to ' +
        '<strong>{{end}}</strong>. Submissions made meanwhile are queued and analysed afterwards.</p><p>{{details}}</p>',
    ),
  },
  {
    id: 'security_advisory',
    name: 'Security advisory',
    description: 'Warns users of a threat or a change they must act on.',
    variables: [
      { name: 'title', description: 'What the advisory is about', required: true, maxLength: 200 },
      { name: 'message', description: 'The advisory', required: true, maxLength: 20000, multiline: true },
      { name: 'action', description: 'What users must do', required: false, maxLength: 5000, multiline: true },
    ],
    subject: 'Security advisory: {{title}}',
    text: 'Hello {{recipient_name}},\n\n{{message}}\n\nWhat to do: {{action}}\n',
    html: layout('<p>Hello {{recipient_name}},</p><h2>Security advisory: {{title}}</h2><p>{{message}}</p><p><strong>What to do:</strong> {{action}}</p>'),
  },
];

export function findTemplate(id: string): EmailTemplate | undefined {
  return EMAIL_TEMPLATES.find((t) => t.id === id);
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);

/** Control characters other than newline and tab never reach a message; CR/LF never reach a header. */
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f]/g;
const oneLine = (s: string) => s.replace(/\r\n?|\n/g, ' ').replace(CONTROL, '');
const clean = (s: string) => s.replace(/\r\n?/g, '\n').replace(CONTROL, '');

/**
 * Replaces `{{name}}` with the value of a known variable, in one pass over the template: a value is
 * inserted as data and never scanned again, so `{{...}}` inside a value stays literal text (no
 * template injection). Unknown placeholders become empty.
 */
function substitute(template: string, values: Record<string, string>, encode: (name: string, value: string) => string): string {
  return template.replace(/\{\{\s*([a-z_][a-z0-9_]*)\s*\}\}/g, (_, name: string) => (Object.hasOwn(values, name) ? encode(name, values[name]) : ''));
}

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

export function renderSubject(template: EmailTemplate, values: Record<string, string>): string {
  return substitute(template.subject, values, (_, v) => oneLine(v)).trim();
}

/** The subject, text part and HTML part (every value HTML-escaped; multi-line values as paragraphs). */
export function renderEmail(template: EmailTemplate, values: Record<string, string>): RenderedEmail {
  const multiline = new Set(template.variables.filter((v) => v.multiline).map((v) => v.name));
  return {
    subject: renderSubject(template, values),
    text: substitute(template.text, values, (name, v) => (multiline.has(name) ? clean(v) : oneLine(v))),
    html: substitute(template.html, values, (name, v) =>
      multiline.has(name)
        ? clean(v)
            .split(/\n{2,}/)
            .map((p) => escapeHtml(p).replace(/\n/g, '<br>'))
            .join('</p><p>')
        : escapeHtml(oneLine(v)),
    ),
  };
}
