import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { SERVER_ERROR_RECORDER } from '../../common/errors/server-error-recorder';
import { AppError } from './app-error.entity';
import { ClientErrorRateLimiter } from './client-error-rate-limiter';
import { ErrorRecorder } from './error-recorder.service';
import { AdminErrorsController, ClientErrorsController } from './errors.controller';
import { ErrorsService } from './errors.service';

@Module({
  imports: [TypeOrmModule.forFeature([AppError])],
  controllers: [AdminErrorsController, ClientErrorsController],
  providers: [ErrorRecorder, ErrorsService, ClientErrorRateLimiter, { provide: SERVER_ERROR_RECORDER, useExisting: ErrorRecorder }],
  exports: [ErrorRecorder, SERVER_ERROR_RECORDER],
})
export class ErrorsModule {}
