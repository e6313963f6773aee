import { MigrationInterface } from 'typeorm';
import { Init1795454378989 } from './1795454378989-Init';
import { Healthchecks1795454930558 } from './1795454930558-Healthchecks';
import { ScanPipeline1795455666767 } from './1795455666767-ScanPipeline';
import { SearchIndexes1795457272410 } from './1795457272410-SearchIndexes';

/** Every migration, in order. Add new ones at the end (`npm run migration:generate -- Name`). */
export const MIGRATIONS: (new () => MigrationInterface)[] = [Init1795454378989, Healthchecks1795454930558, ScanPipeline1795455666767, SearchIndexes1795457272410];
