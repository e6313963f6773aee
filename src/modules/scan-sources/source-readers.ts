import { Inject, Injectable } from '@nestjs/common';
import { SecretBox } from '../../common/security/secret-box';
import { Secrets } from '../../common/security/secrets';
import { APP_CONFIG, AppConfig } from '../../config/app-config';
import { DirectoryReader } from './directory-reader';
import { S3Reader } from './s3-reader';
import { ScanSource, ScanSourceType } from './scan-source.entity';
import { SourceReader } from './source-reader';

/** Sealing context of a source's S3 secret: a ciphertext copied to another source does not open. */
const secretContext = (sourceId: string) => `scan-source:${sourceId}:s3_secret`;

/** Builds the reader of a source, and seals / opens its stored S3 secret. */
@Injectable()
export class SourceReaders {
  private readonly box: SecretBox;

  constructor(
    secrets: Secrets,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.box = new SecretBox(secrets);
  }

  sealSecret(sourceId: string, secret: string): string {
    return this.box.seal(secret, secretContext(sourceId));
  }

  /** `source` must have been loaded with its s3Secret column (it is not selected by default). */
  readerFor(source: ScanSource): SourceReader & { close?(): void } {
    if (source.type === ScanSourceType.Directory) return new DirectoryReader(source.directoryPath!, this.config.scanSources.roots);
    if (!source.s3Secret) throw new Error('no secret access key is stored for this source');
    let secret: string;
    try {
      secret = this.box.open(source.s3Secret, secretContext(source.id));
    } catch {
      throw new Error('the stored secret access key cannot be decrypted (APP_SECRET changed?): save the source again with its secret');
    }
    return new S3Reader({
      endpoint: source.s3Endpoint,
      region: source.s3Region ?? 'us-east-1',
      bucket: source.s3Bucket!,
      prefix: source.s3Prefix,
      accessKeyId: source.s3AccessKeyId!,
      secretAccessKey: secret,
      forcePathStyle: source.s3ForcePathStyle,
    });
  }
}
