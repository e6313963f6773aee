import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Report } from '../reports/report.entity';
import { TaxiiController } from './taxii.controller';
import { TaxiiRepository } from './taxii.repository';
import { TaxiiService } from './taxii.service';

/** TAXII 2.1 server (read-only) over the platform's reports, as STIX 2.1. */
@Module({
  imports: [TypeOrmModule.forFeature([Report])],
  controllers: [TaxiiController],
  providers: [TaxiiService, TaxiiRepository],
})
export class TaxiiModule {}
