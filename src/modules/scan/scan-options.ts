/**
 * The scan options a submission (and a saved scan profile) may set, with their defaults. They are
 * booleans; form fields accept true/false, 1/0, yes/no (any case). The normalised set, every option
 * with its value, is stored as the flow's `scan_options` and shown as the report's `scanOptions`.
 */
export const SCAN_OPTION_DEFAULTS = {
  /** Look up hashes, domains and addresses in the threat-intelligence sources. */
  osint: true,
  /** Also query the slower, extended OSINT sources. */
  extended_osint: false,
  /** Run OSINT lookups on extracted files too, not only on the submitted one. */
  extracted_files_osint: false,
  /** Render previews (screenshots, graphs) of the analysed files. */
  visualization: true,
  /** Keep extracted and downloaded files available for download. */
  files_download: true,
  /** Resolve the domains found in the sample. */
  resolve_domains: true,
  /** Run the YARA rules on the submitted file. */
  input_file_yara: true,
  /** Run the YARA rules on extracted files. */
  extracted_files_yara: true,
  /** Look up WHOIS records of the domains found. */
  whois: false,
  /** Enrich IP addresses with metadata (geolocation, ASN). */
  ips_meta: false,
  /** Recognise text in images (OCR). */
  images_ocr: false,
  /** Skip the analysis of files on the allow list (known good). */
  skip_whitelisted: false,
  /** Faster, shallower analysis: fewer analyzers, no emulation. */
  rapid_mode: false,
  /** Stop as soon as the verdict is malicious. */
  early_termination: false,
  /** Give extracted files the submission's tags too. */
  propagate_tags: false,
} as const;

export type ScanOptionName = keyof typeof SCAN_OPTION_DEFAULTS;
export type ScanOptions = Record<ScanOptionName, boolean>;
export const SCAN_OPTION_NAMES = Object.keys(SCAN_OPTION_DEFAULTS) as ScanOptionName[];

export const SCAN_OPTION_DESCRIPTIONS: Record<ScanOptionName, string> = {
  osint: 'Look up hashes, domains and addresses in the threat-intelligence sources',
  extended_osint: 'Also query the slower, extended OSINT sources',
  extracted_files_osint: 'Run OSINT lookups on extracted files too',
  visualization: 'Render previews (screenshots, graphs) of the analysed files',
  files_download: 'Keep extracted and downloaded files available for download',
  resolve_domains: 'Resolve the domains found in the sample',
  input_file_yara: 'Run the YARA rules on the submitted file',
  extracted_files_yara: 'Run the YARA rules on extracted files',
  whois: 'Look up WHOIS records of the domains found',
  ips_meta: 'Enrich IP addresses with metadata (geolocation, ASN)',
  images_ocr: 'Recognise text in images (OCR)',
  skip_whitelisted: 'Skip the analysis of files on the allow list',
  rapid_mode: 'Faster, shallower analysis',
  early_termination: 'Stop as soon as the verdict is malicious',
  propagate_tags: "Give extracted files the submission's tags too",
};

/** Switches a saved profile may hold: the scan options plus `is_private`. */
export type ProfileOptionName = ScanOptionName | 'is_private';
export const PROFILE_OPTION_NAMES: ProfileOptionName[] = [...SCAN_OPTION_NAMES, 'is_private'];

/** Defaults, then the profile's options, then the submission's own fields: the later wins. */
export function resolveScanOptions(...layers: Partial<Record<string, unknown>>[]): ScanOptions {
  const options: ScanOptions = { ...SCAN_OPTION_DEFAULTS };
  for (const layer of layers) {
    for (const name of SCAN_OPTION_NAMES) {
      const value = layer[name];
      if (typeof value === 'boolean') options[name] = value;
    }
  }
  return options;
}

const TRUE = ['true', '1', 'yes', 'on'];
const FALSE = ['false', '0', 'no', 'off'];

/** class-transformer: form and JSON booleans (`true`, `"yes"`, `"0"`, 1) to booleans; other values unchanged, for the validator to refuse. */
export const toBoolean = ({ value }: { value: unknown }): unknown => {
  if (typeof value === 'number' && (value === 0 || value === 1)) return value === 1;
  if (typeof value !== 'string') return value;
  const v = value.trim().toLowerCase();
  if (TRUE.includes(v)) return true;
  if (FALSE.includes(v)) return false;
  return value;
};

export const BOOLEAN_MESSAGE = '$property must be a boolean: true/false, 1/0 or yes/no';
