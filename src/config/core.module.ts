import { DynamicModule, Global, Module } from '@nestjs/common';
import { Secrets } from '../common/security/secrets';
import { APP_CONFIG, AppConfig } from './app-config';

/** Provides the validated configuration and the derived secrets to every module. */
@Global()
@Module({})
export class CoreModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: CoreModule,
      providers: [
        { provide: APP_CONFIG, useValue: config },
        { provide: Secrets, useValue: Secrets.load(config.secret, config.dataDir) },
      ],
      exports: [APP_CONFIG, Secrets],
    };
  }
}
