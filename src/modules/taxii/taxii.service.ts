import { Inject, Injectable, NotFoundException } from '@nestjs/common';
import { Principal } from '../../common/access/principal';
import { ValidationFailedException } from '../../common/errors/validation';
import { APP_CONFIG, AppConfig } from '../../config/app-config';
import type { ExportSubject } from '../../engine/exports/export-subject';
import { toStixBundle } from '../../engine/exports/stix';
import type { StixObject } from '../../engine/exports/stix.types';
import { APP_VERSION } from '../system/version';
import {
  TaxiiApiRootDto,
  TaxiiCollectionDto,
  TaxiiCollectionsDto,
  TaxiiDiscoveryDto,
  TaxiiEnvelopeDto,
  TaxiiManifestDto,
  TaxiiManifestRecordDto,
  TaxiiObjectsQueryDto,
  TaxiiPageQueryDto,
} from './dtos/taxii.dto';
import { decodePosition, encodePosition, TaxiiPosition } from './taxii-cursor';
import { CollectionReport, TaxiiRepository } from './taxii.repository';

export const TAXII_MEDIA_TYPE = 'application/taxii+json;version=2.1';
export const STIX_MEDIA_TYPE = 'application/stix+json;version=2.1';
export const TAXII_API_ROOT_PATH = '/taxii2/api/';

interface Collection {
  id: string;
  title: string;
  description: string;
  isPrivate: boolean;
}

/** Fixed ids: TAXII clients are configured with them. */
export const COLLECTIONS: readonly Collection[] = [
  {
    id: '3f1d6d35-53a5-4a8e-9c41-6d2b0f6a7e01',
    title: 'Public analyses',
    description:
      'STIX 2.1 objects of every public analysis (the submitted file, what was extracted from it, its indicators, ATT&CK techniques), ' +
      'marked TLP:WHITE (TLP:CLEAR), oldest first. date_added is the analysis time.',
    isPrivate: false,
  },
  {
    id: '8c0b4a52-2a7e-4f0b-8d2f-5b9e7c1a3d02',
    title: 'Private analyses',
    description:
      'STIX 2.1 objects of the private analyses you may see (yours and your access group\'s; every one for administrators), marked TLP:AMBER.',
    isPrivate: true,
  },
];

/** Reports rendered per database round trip, and at most per request (a page never waits on the whole collection). */
const BATCH = 50;
const MAX_REPORTS_PER_REQUEST = 500;

interface Entry {
  object: StixObject;
  dateAdded: string;
}

interface Filters {
  types?: Set<string>;
  ids?: Set<string>;
  versions?: string[];
  specVersions?: Set<string>;
}

export interface TaxiiPage<T> {
  body: T;
  headers: Record<string, string>;
}

/**
 * A read-only TAXII 2.1 server over the platform's reports. Objects are rendered from the stored
 * report documents on the fly (toStixBundle is deterministic, so a report always yields the same
 * objects); collections are walked by (created_at, id) in bounded batches.
 */
@Injectable()
export class TaxiiService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly repository: TaxiiRepository,
  ) {}

  discovery(requestBaseUrl: string): TaxiiDiscoveryDto {
    const root = `${this.config.feeds?.baseUrl ?? requestBaseUrl}${TAXII_API_ROOT_PATH}`;
    return {
      title: 'Sandbox platform TAXII server',
      description: 'STIX 2.1 threat intelligence from the sandbox analyses of this platform (read-only).',
      default: root,
      api_roots: [root],
    };
  }

  apiRoot(): TaxiiApiRootDto {
    return {
      title: 'Sandbox analyses',
      description: 'Collections of STIX 2.1 objects produced by the sandbox: public analyses, and the private ones the caller may see.',
      versions: [TAXII_MEDIA_TYPE],
      max_content_length: this.config.http.bodyLimit,
    };
  }

  collections(): TaxiiCollectionsDto {
    return { collections: COLLECTIONS.map(toCollectionDto) };
  }

  collection(id: string): TaxiiCollectionDto {
    return toCollectionDto(this.find(id));
  }

  async objects(principal: Principal, collectionId: string, query: TaxiiObjectsQueryDto): Promise<TaxiiPage<TaxiiEnvelopeDto>> {
    const page = await this.walk(principal, this.find(collectionId), query, filtersOf(query));
    return { body: envelope(page, page.entries.map((e) => e.object as unknown as Record<string, unknown>)), headers: dateHeaders(page.entries) };
  }

  /**
   * One object (every version: here, every report it appears in). A report's own object
   * (`report--<report id>`) is found by its id; other objects are searched for page by page: a page
   * with none and `more` true means "not in this part of the collection yet, ask for `next`".
   */
  async object(principal: Principal, collectionId: string, objectId: string, query: TaxiiPageQueryDto): Promise<TaxiiPage<TaxiiEnvelopeDto>> {
    if (!/^[a-z][a-z0-9-]*[a-z0-9]--[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/.test(objectId)) {
      throw new ValidationFailedException([{ field: 'object_id', messages: ['object_id must be a STIX id (type--uuid)'] }]);
    }
    const collection = this.find(collectionId);
    const reportId = objectId.startsWith('report--') ? objectId.slice('report--'.length).toLowerCase() : undefined;
    const page = await this.walk(principal, collection, query, { ...filtersOf(query), ids: new Set([objectId.toLowerCase()]) }, reportId);
    if (!page.entries.length && !page.more) throw new NotFoundException(`No object ${objectId} in collection ${collectionId}`);
    return { body: envelope(page, page.entries.map((e) => e.object as unknown as Record<string, unknown>)), headers: dateHeaders(page.entries) };
  }

  async manifest(principal: Principal, collectionId: string, query: TaxiiObjectsQueryDto): Promise<TaxiiPage<TaxiiManifestDto>> {
    const page = await this.walk(principal, this.find(collectionId), query, filtersOf(query));
    const records: TaxiiManifestRecordDto[] = page.entries.map((e) => ({ id: e.object.id, date_added: e.dateAdded, version: versionOf(e), media_type: STIX_MEDIA_TYPE }));
    return { body: envelope(page, records), headers: dateHeaders(page.entries) };
  }

  private find(id: string): Collection {
    const collection = COLLECTIONS.find((c) => c.id === id.toLowerCase());
    if (!collection) throw new NotFoundException(`No collection ${id}`);
    return collection;
  }

  /**
   * Up to `limit` matching objects from `next` (or the start) on. Stops early, with `more` and a
   * `next`, after MAX_REPORTS_PER_REQUEST reports, so one request never renders the whole collection.
   */
  private async walk(
    principal: Principal,
    collection: Collection,
    query: TaxiiPageQueryDto,
    filters: Filters,
    reportId?: string,
  ): Promise<{ entries: Entry[]; more: boolean; next?: string }> {
    let from: TaxiiPosition | undefined = query.next ? decodePosition(query.next) : undefined;
    const addedAfter = query.added_after ? normaliseTimestamp(query.added_after) : undefined;
    const limit = query.limit ?? 100;
    const entries: Entry[] = [];
    let scanned = 0;
    for (;;) {
      const batch = await this.repository.rootReports(principal, {
        isPrivate: collection.isPrivate,
        from,
        addedAfter,
        reportId,
        settleSeconds: this.config.feeds?.settleSeconds ?? 0,
        limit: BATCH,
      });
      const descendants = await this.repository.descendants(principal, batch.map((r) => r.flowId));
      for (const row of batch) {
        const objects = toStixBundle(this.subject(row, descendants.get(row.flowId) ?? [])).objects;
        const start = from && from.id === row.id && from.at === row.at && from.index >= 0 ? from.index : 0;
        for (let i = start; i < objects.length; i++) {
          if (!matches(objects[i], row.at, filters)) continue;
          if (entries.length === limit) return { entries, more: true, next: encodePosition({ at: row.at, id: row.id, index: i }) };
          entries.push({ object: objects[i], dateAdded: row.at });
        }
        from = { at: row.at, id: row.id, index: -1 };
        if (++scanned >= MAX_REPORTS_PER_REQUEST && batch.length === BATCH) return { entries, more: true, next: encodePosition(from) };
      }
      if (batch.length < BATCH) return { entries, more: false };
    }
  }

  private subject(row: CollectionReport, descendants: ExportSubject['descendants']): ExportSubject {
    return {
      report: row.data,
      descendants,
      isPrivate: row.isPrivate,
      generatedAt: new Date(),
      producer: { name: `Sandbox platform ${APP_VERSION}`, ...(this.config.feeds?.baseUrl ? { url: this.config.feeds.baseUrl } : {}) },
    };
  }
}

function toCollectionDto(c: Collection): TaxiiCollectionDto {
  return { id: c.id, title: c.title, description: c.description, can_read: true, can_write: false, media_types: [STIX_MEDIA_TYPE] };
}

const list = (value: string | undefined) => (value ? value.split(',').map((v) => v.trim()).filter(Boolean) : undefined);

function filtersOf(query: TaxiiPageQueryDto & Partial<TaxiiObjectsQueryDto>): Filters {
  const types = list(query['match[type]']);
  const ids = list(query['match[id]'])?.map((id) => id.toLowerCase());
  const specVersions = list(query['match[spec_version]']);
  // first/last/all all name the one version each object has here; timestamps select exactly.
  const versions = list(query['match[version]'])?.filter((v) => !['first', 'last', 'all'].includes(v));
  return {
    types: types && new Set(types),
    ids: ids && new Set(ids),
    specVersions: specVersions && new Set(specVersions),
    versions: versions?.length && !list(query['match[version]'])!.includes('all') ? versions.map(normaliseTimestamp) : undefined,
  };
}

function matches(object: StixObject, dateAdded: string, f: Filters): boolean {
  if (f.types && !f.types.has(object.type)) return false;
  if (f.ids && !f.ids.has(object.id)) return false;
  if (f.specVersions && !f.specVersions.has(object.spec_version)) return false;
  if (f.versions && !f.versions.includes(normaliseTimestamp(versionOf({ object, dateAdded })))) return false;
  return true;
}

/** TAXII 2.1 §3.4.1: an object's version is its `modified`, else its `created`, else its date_added. */
function versionOf(e: Entry): string {
  const o = e.object as { modified?: string; created?: string };
  return o.modified ?? o.created ?? e.dateAdded;
}

/** Timestamps compared to the microsecond: `…:07Z`, `…:07.000Z` and `…:07.000000Z` are the same time. */
function normaliseTimestamp(value: string): string {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,6}))?Z$/.exec(value);
  return m ? `${m[1]}.${(m[2] ?? '').padEnd(6, '0')}Z` : value;
}

function envelope<T>(page: { entries: unknown[]; more: boolean; next?: string }, objects: T[]): { more: boolean; next?: string; objects?: T[] } {
  return { more: page.more, ...(page.next ? { next: page.next } : {}), ...(objects.length ? { objects } : {}) };
}

function dateHeaders(entries: Entry[]): Record<string, string> {
  if (!entries.length) return {};
  return { 'X-TAXII-Date-Added-First': entries[0].dateAdded, 'X-TAXII-Date-Added-Last': entries[entries.length - 1].dateAdded };
}
