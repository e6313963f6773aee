import { MigrationInterface } from 'typeorm';
import { Init1795454378989 } from './1795454378989-Init';
import { Healthchecks1795454930558 } from './1795454930558-Healthchecks';
import { ScanPipeline1795455666767 } from './1795455666767-ScanPipeline';
import { SearchIndexes1795457272410 } from './1795457272410-SearchIndexes';
import { EmailsAndScanSources1796490813563 } from './1796490813563-EmailsAndScanSources';
import { ScheduledJobsSettings1796490873059 } from './1796490873059-ScheduledJobsSettings';
import { Feeds1796490873731 } from './1796490873731-Feeds';
import { Licensing1796490895136 } from './1796490895136-Licensing';
import { ReportDownloads1796490938921 } from './1796490938921-ReportDownloads';
import { ThreatIntelAndStats1796490988080 } from './1796490988080-ThreatIntelAndStats';
import { AdminDiagnostics1796491115970 } from './1796491115970-AdminDiagnostics';
import { News1796493953909 } from './1796493953909-News';
import { Logos1796494043034 } from './1796494043034-Logos';

/** Every migration, in order. Add new ones at the end (`npm run migration:generate -- Name`). */
export const MIGRATIONS: (new () => MigrationInterface)[] = [
  Init1795454378989,
  Healthchecks1795454930558,
  ScanPipeline1795455666767,
  SearchIndexes1795457272410,
  EmailsAndScanSources1796490813563,
  ScheduledJobsSettings1796490873059,
  Feeds1796490873731,
  Licensing1796490895136,
  ReportDownloads1796490938921,
  ThreatIntelAndStats1796490988080,
  AdminDiagnostics1796491115970,
  News1796493953909,
  Logos1796494043034,
];
