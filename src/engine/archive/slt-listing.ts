/**
 * A streaming parser of `7z l -slt` output (fed line by line from 7-Zip's stdout, so a listing of
 * a million members never sits in memory as text).
 *
 * Shape of the output: a preamble, `--`, the archive's properties (`Type = zip`, `ERRORS:` /
 * `WARNINGS:` blocks, a possibly multi-line `Comment = {...}`), a `----------` line, then one block of
 * `Key = Value` lines per member, blocks separated by blank lines. Member values are single-line
 * (7-Zip prints control characters in names and comments as `_`), but the archive comment is
 * printed raw between braces and may contain a forged `----------` and forged members: every
 * `----------` line therefore restarts the member list, so only the members after the last one (the
 * real separator, which 7-Zip prints after the comment) survive.
 */
export interface ListedMember {
  /** Position in the listing (7-Zip's item index). */
  index: number;
  /** The name as 7-Zip lists it (control characters shown as `_`, cut at a NUL); absent for bare streams (bzip2). */
  path?: string;
  size?: number;
  packedSize?: number;
  encrypted: boolean;
  directory: boolean;
  /** Symbolic or hard link target (tar, cpio): 7-Zip creates a link, not a file. */
  link?: string;
  method?: string;
  /** Solid block number (7z). */
  block?: number;
  /** Written to an output file when extracted (not a directory, not a link). */
  isFile: boolean;
}

export interface ArchiveListing {
  type?: string;
  physicalSize?: number;
  /** Archive-level properties worth reporting (method, solid, blocks, headers size ...). */
  properties: Record<string, string>;
  errors: string[];
  warnings: string[];
  members: ListedMember[];
  /** Members seen in the listing, including those beyond `maxMembers`. */
  memberCount: number;
  /** Sum of the declared sizes of all members, including those not kept. */
  declaredTotal: number;
  /** More members than `maxMembers`: the rest were counted, not kept. */
  truncated: boolean;
}

const ARCHIVE_PROPERTIES = new Set(['Method', 'Solid', 'Blocks', 'Headers Size', 'Characteristics', 'Code Page', 'Tail Size', 'Offset', 'Volumes', 'Multivolume', 'Encrypted']);
const MAX_MESSAGES = 20;

export class SltListingParser {
  private state: 'preamble' | 'archive' | 'members' = 'preamble';
  private block: 'errors' | 'warnings' | undefined;
  private current: Map<string, string> | undefined;
  private inComment = false;
  readonly listing: ArchiveListing = { properties: {}, errors: [], warnings: [], members: [], memberCount: 0, declaredTotal: 0, truncated: false };

  constructor(private readonly maxMembers: number) {}

  line(raw: string): void {
    const line = raw.replace(/\r$/, '');
    if (line === '----------') {
      // Start (or, after a forged one inside a comment, restart) of the member list.
      this.state = 'members';
      this.inComment = false;
      this.block = undefined;
      this.current = undefined;
      Object.assign(this.listing, { members: [], memberCount: 0, declaredTotal: 0, truncated: false });
      return;
    }
    if (this.state === 'preamble') {
      if (line === '--') this.state = 'archive';
      return;
    }
    if (this.inComment) {
      if (line === '}') this.inComment = false;
      return;
    }
    if (line === 'ERRORS:' || line === 'WARNINGS:') {
      this.block = line === 'ERRORS:' ? 'errors' : 'warnings';
      return;
    }
    const kv = /^([A-Za-z][A-Za-z0-9 ]*?) = (.*)$/.exec(line);
    if (this.block && line.trim() && !kv) {
      const list = this.block === 'errors' ? this.listing.errors : this.listing.warnings;
      if (list.length < MAX_MESSAGES && !list.includes(line.trim())) list.push(line.trim().slice(0, 300));
      return;
    }
    this.block = undefined;
    if (this.state === 'archive') {
      if (!kv) {
        if (line === '{') this.inComment = true;
        return;
      }
      const [, key, value] = kv;
      if (key === 'Type' && this.listing.type === undefined) this.listing.type = value;
      else if (key === 'Physical Size' && this.listing.physicalSize === undefined) this.listing.physicalSize = toNumber(value);
      else if (ARCHIVE_PROPERTIES.has(key) && value && !(key in this.listing.properties)) this.listing.properties[key] = value.slice(0, 200);
      return;
    }
    // members
    if (!line.trim()) {
      this.flush();
      return;
    }
    if (!kv) return;
    this.current ??= new Map();
    if (!this.current.has(kv[1])) this.current.set(kv[1], kv[2]);
  }

  /** Call once the command has finished. */
  end(): ArchiveListing {
    this.flush();
    return this.listing;
  }

  private flush(): void {
    const fields = this.current;
    this.current = undefined;
    if (!fields || !fields.size) return;
    const listing = this.listing;
    const index = listing.memberCount++;
    const size = toNumber(fields.get('Size'));
    if (size) listing.declaredTotal += size;
    if (listing.members.length >= this.maxMembers) {
      listing.truncated = true;
      return;
    }
    const path = fields.has('Path') ? fields.get('Path') : undefined;
    const attributes = fields.get('Attributes') ?? '';
    const mode = fields.get('Mode') ?? '';
    const directory = fields.get('Folder') === '+' || attributes.startsWith('D') || mode.startsWith('d') || (path !== undefined && /[\\/]$/.test(path));
    const link = fields.get('Symbolic Link') || fields.get('Hard Link') || undefined;
    const block = toNumber(fields.get('Block'));
    listing.members.push({
      index,
      path,
      size,
      packedSize: toNumber(fields.get('Packed Size')),
      encrypted: fields.get('Encrypted') === '+',
      directory,
      link,
      method: fields.get('Method') || undefined,
      block,
      isFile: !directory && !link,
    });
  }
}

function toNumber(value: string | undefined): number | undefined {
  if (value === undefined || value === '' || !/^\d+$/.test(value)) return undefined;
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : undefined;
}
