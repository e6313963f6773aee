import { resolve } from 'node:path';
import { plainToInstance, Transform } from 'class-transformer';
import {
  IsBoolean,
  IsEmail,
  IsEnum,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  MinLength,
  validateSync,
} from 'class-validator';

export enum AppRole {
  Api = 'api',
  Worker = 'worker',
  All = 'all',
}

const toInt = ({ value }: { value: unknown }) =>
  typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
const toBool = ({ value }: { value: unknown }) => {
  if (typeof value !== 'string') return value;
  const v = value.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(v)) return true;
  if (['0', 'false', 'no', 'off'].includes(v)) return false;
  return value;
};

/**
 * Every environment variable the platform reads. README.md documents each one; keep both in step.
 * Defaults live here so that a fresh clone runs with no configuration at all.
 */
export class EnvironmentVariables {
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) @Max(65535)
  PORT = 8090;

  @IsOptional() @IsString()
  HOST = '0.0.0.0';

  @IsOptional() @IsEnum(AppRole)
  APP_ROLE: AppRole = AppRole.All;

  @IsOptional() @Matches(/^postgres(ql)?:\/\/\S+$/, { message: 'DATABASE_URL must be a postgres:// URL' })
  DATABASE_URL?: string;

  @IsOptional() @IsString()
  DATA_DIR = './data';

  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(65535)
  EMBEDDED_PG_PORT = 54329;

  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(500)
  DB_POOL_SIZE = 20;

  @IsOptional() @Transform(toBool) @IsBoolean()
  DB_MIGRATIONS_RUN = true;

  @IsOptional() @IsEmail()
  ADMIN_EMAIL?: string;

  @IsOptional() @IsString() @MinLength(12)
  ADMIN_PASSWORD?: string;

  @IsOptional() @IsString() @MinLength(32)
  APP_SECRET?: string;

  @IsOptional() @Transform(toInt) @IsInt() @Min(60) @Max(7 * 24 * 3600)
  JWT_EXPIRES_IN = 3600;

  @IsOptional() @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL = 'info';

  @IsOptional() @Transform(toInt) @IsInt() @Min(1024)
  BODY_LIMIT = 1024 * 1024;

  @IsOptional() @Transform(toBool) @IsBoolean()
  TRUST_PROXY = false;

  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(1000)
  LOGIN_SLOWDOWN_AFTER = 3;

  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(1000)
  LOGIN_MAX_FAILURES = 10;

  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(100000)
  LOGIN_MAX_FAILURES_PER_ADDRESS = 100;

  @IsOptional() @Transform(toInt) @IsInt() @Min(10) @Max(86400)
  LOGIN_FAILURE_WINDOW = 900;

  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(64)
  WORKER_CONCURRENCY = 2;

  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(3600)
  WORKER_SHUTDOWN_TIMEOUT = 30;

  @IsOptional() @Transform(toInt) @IsInt() @Min(0) @Max(86400)
  HEALTHCHECK_INTERVAL = 60;

  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(3650)
  HEALTHCHECK_RETENTION_DAYS = 7;

  @IsOptional() @Transform(toBool) @IsBoolean()
  SWAGGER_ENABLED = true;

  // Scans and the engine
  @IsOptional() @Transform(toInt) @IsInt() @Min(1)
  MAX_UPLOAD_SIZE = 2 * 1024 * 1024 * 1024;

  @IsOptional() @IsIn(['filesystem', 's3'])
  STORAGE_DRIVER = 'filesystem';

  @IsOptional() @IsString()
  S3_ENDPOINT?: string;

  @IsOptional() @IsString()
  S3_REGION = 'us-east-1';

  @IsOptional() @IsString()
  S3_BUCKET?: string;

  @IsOptional() @IsString()
  S3_ACCESS_KEY_ID?: string;

  @IsOptional() @IsString()
  S3_SECRET_ACCESS_KEY?: string;

  @IsOptional() @Transform(toBool) @IsBoolean()
  S3_FORCE_PATH_STYLE = true;

  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(10)
  SCAN_MAX_ATTEMPTS = 3;

  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(3600)
  ENGINE_TIMEOUT = 120;

  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(1024 * 1024 * 1024)
  ENGINE_MAX_IN_MEMORY = 256 * 1024 * 1024;

  @IsOptional() @Transform(toInt) @IsInt() @Min(0) @Max(100)
  ENGINE_MAX_DEPTH = 8;

  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(100000)
  ENGINE_MAX_FILES = 500;

  @IsOptional() @Transform(toInt) @IsInt() @Min(1)
  ENGINE_MAX_TOTAL_BYTES = 512 * 1024 * 1024;

  @IsOptional() @Transform(toInt) @IsInt() @Min(1)
  ENGINE_MAX_FILE_BYTES = 128 * 1024 * 1024;

  @IsOptional() @Transform(toInt) @IsInt() @Min(2) @Max(100000)
  ENGINE_MAX_RATIO = 200;

  @IsOptional() @Transform(toInt) @IsInt() @Min(0) @Max(20)
  URL_MAX_REDIRECTS = 5;

  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(300)
  URL_FETCH_TIMEOUT = 20;

  @IsOptional() @Transform(toInt) @IsInt() @Min(1)
  URL_MAX_BYTES = 64 * 1024 * 1024;

  /** Lets URL scans reach loopback and private addresses (off: no SSRF into the deployment's own network). */
  @IsOptional() @Transform(toBool) @IsBoolean()
  URL_ALLOW_PRIVATE = false;

  @IsOptional() @Transform(toInt) @IsInt() @Min(60) @Max(30 * 24 * 3600)
  INVITE_TTL = 7 * 24 * 3600;

  // Licensing
  /** The vendor's Ed25519 public key licenses are verified with (PEM, or base64 of the 32 raw bytes); unset: the built-in key. */
  @IsOptional() @IsString()
  LICENSE_PUBLIC_KEY?: string;

  /** Where online activation sends the license key and deployment id; unset: online activation is off. */
  @IsOptional() @Matches(/^https?:\/\/\S+$/, { message: 'LICENSE_ACTIVATION_URL must be an http(s) URL' })
  LICENSE_ACTIVATION_URL?: string;

  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(300)
  LICENSE_ACTIVATION_TIMEOUT = 15;

  // Error and log store (GET /api/admin/errors, /api/admin/logs)
  /** Distinct client-reported error groups kept; past it only known groups are counted (no flooding). */
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(1_000_000)
  ERRORS_MAX_CLIENT_GROUPS = 1000;

  /** Client error reports (POST /api/system/errors/log) accepted per client address and minute. */
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(100_000)
  ERRORS_CLIENT_RATE = 30;

  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(3650)
  LOGS_RETENTION_DAYS = 30;

  // Mass e-mail (SMTP); no SMTP_HOST: e-mail is disabled
  @IsOptional() @IsString()
  SMTP_HOST?: string;

  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(65535)
  SMTP_PORT = 587;

  /** Implicit TLS from the first byte (port 465); otherwise STARTTLS when the server offers it. */
  @IsOptional() @Transform(toBool) @IsBoolean()
  SMTP_SECURE = false;

  /** Refuse to send unless STARTTLS succeeds (with SMTP_SECURE=false). */
  @IsOptional() @Transform(toBool) @IsBoolean()
  SMTP_REQUIRE_TLS = false;

  @IsOptional() @Transform(toBool) @IsBoolean()
  SMTP_TLS_VERIFY = true;

  @IsOptional() @IsString()
  SMTP_USER?: string;

  @IsOptional() @IsString()
  SMTP_PASSWORD?: string;

  @IsOptional() @IsString()
  SMTP_FROM = 'Sandbox <sandbox@localhost.localdomain>';

  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(20)
  EMAIL_MAX_ATTEMPTS = 5;

  // Scan sources: comma-separated absolute directories that watched-directory sources must lie in
  @IsOptional() @IsString()
  SCAN_SOURCE_ROOTS?: string;

  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(10000)
  SCAN_SOURCE_MAX_FILES = 100;

  /** A directory file modified longer ago than this is taken at once; a newer one must look the same on two polls. */
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) @Max(86400)
  SCAN_SOURCE_SETTLE_SECONDS = 60;

  // SIEM feeds and archives (src/modules/feeds)
  /** Reports reach the feeds only once older than this (covers report writers' clocks and open transactions). */
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) @Max(3600)
  FEED_SETTLE_SECONDS = 30;

  /** Absolute base URL for links in feeds (e.g. https://sandbox.example.com); unset: taken from the request. */
  @IsOptional() @Matches(/^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/, { message: 'FEED_BASE_URL must be an http(s) URL without query' })
  FEED_BASE_URL?: string;

  /** Days of malicious reports the YARA feed covers. */
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(3650)
  FEED_YARA_DAYS = 30;

  // Report exports (src/modules/exports)
  /** Chromium binary that renders PDF reports (Debian's `chromium`). */
  @IsOptional() @IsString()
  CHROMIUM_PATH = '/usr/bin/chromium';

  /** Seconds one HTML or PDF report generation may take. */
  @IsOptional() @Transform(toInt) @IsInt() @Min(5) @Max(600)
  EXPORT_RENDER_TIMEOUT = 60;
}

export interface AppConfig {
  role: AppRole;
  http: { host: string; port: number; bodyLimit: number; trustProxy: boolean; swagger: boolean };
  dataDir: string;
  database: { url?: string; embeddedPort: number; poolSize: number; migrationsRun: boolean };
  admin: { email?: string; password?: string };
  /** Root secret for JWT signing, API-key hashing and the audit chain; generated under dataDir when unset. */
  secret?: string;
  auth: {
    jwtExpiresIn: number;
    loginSlowdownAfter: number;
    loginMaxFailures: number;
    loginMaxFailuresPerAddress: number;
    loginFailureWindow: number;
    inviteTtl: number;
  };
  logLevel: string;
  /** concurrency: jobs one worker process runs at once per queue; shutdownTimeout: seconds running jobs get to finish on stop. */
  worker: { concurrency: number; shutdownTimeout: number };
  /** interval: seconds between recorded health checks (0: none); retentionDays: how long they are kept. */
  health: { interval: number; retentionDays: number };
  scan: { maxUploadSize: number; maxAttempts: number };
  storage: {
    driver: 'filesystem' | 's3';
    s3: { endpoint?: string; region: string; bucket?: string; accessKeyId?: string; secretAccessKey?: string; forcePathStyle: boolean };
  };
  engine: {
    /** Seconds one analysis may take. */
    timeout: number;
    /** Largest file analysed whole in memory; larger ones are analysed from their first bytes. */
    maxInMemory: number;
    maxDepth: number;
    maxFiles: number;
    maxTotalBytes: number;
    maxFileBytes: number;
    maxCompressionRatio: number;
  };
  url: { maxRedirects: number; timeout: number; maxBytes: number; allowPrivate: boolean };
  /** publicKey unset: the built-in vendor key; activationUrl unset: online activation is off; activationTimeout: seconds. */
  license: { publicKey?: string; activationUrl?: string; activationTimeout: number };
  /** maxClientGroups: client error groups kept; clientRate: client reports per address and minute. */
  errors: { maxClientGroups: number; clientRate: number };
  /** retentionDays: stored log records older than this are deleted. */
  logs: { retentionDays: number };
  /** host unset: e-mail is disabled. The password is never logged nor answered. */
  smtp: {
    host?: string;
    port: number;
    secure: boolean;
    requireTls: boolean;
    tlsVerify: boolean;
    user?: string;
    password?: string;
    from: string;
    maxAttempts: number;
  };
  /** roots: absolute directories watched-directory sources must lie in (none: directory sources refused). */
  scanSources: { roots: string[]; maxFilesPerPoll: number; settleSeconds: number };
  /** settleSeconds: age a report needs to reach the feeds; baseUrl: for absolute links; yaraDays: window of the YARA feed. */
  feeds: { settleSeconds: number; baseUrl?: string; yaraDays: number };
  /** chromiumPath: the browser that renders PDFs; renderTimeout: seconds one generation may take. */
  exports: { chromiumPath: string; renderTimeout: number };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  ${problems.join('\n  ')}`);
  }
}

/** Reads and validates the environment; throws ConfigError naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  // Empty variables count as unset, so `FOO=` in a compose file falls back to the default.
  const raw = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const vars = plainToInstance(EnvironmentVariables, raw);
  const errors = validateSync(vars, { forbidUnknownValues: false });
  if (errors.length) {
    throw new ConfigError(
      errors.map((e) => `${e.property}=${JSON.stringify(e.value)}: ${Object.values(e.constraints ?? {}).join('; ')}`),
    );
  }
  return {
    role: vars.APP_ROLE,
    http: {
      host: vars.HOST,
      port: vars.PORT,
      bodyLimit: vars.BODY_LIMIT,
      trustProxy: vars.TRUST_PROXY,
      swagger: vars.SWAGGER_ENABLED,
    },
    dataDir: resolve(vars.DATA_DIR),
    database: {
      url: vars.DATABASE_URL,
      embeddedPort: vars.EMBEDDED_PG_PORT,
      poolSize: vars.DB_POOL_SIZE,
      migrationsRun: vars.DB_MIGRATIONS_RUN,
    },
    admin: { email: vars.ADMIN_EMAIL, password: vars.ADMIN_PASSWORD },
    secret: vars.APP_SECRET,
    auth: {
      jwtExpiresIn: vars.JWT_EXPIRES_IN,
      loginSlowdownAfter: vars.LOGIN_SLOWDOWN_AFTER,
      loginMaxFailures: vars.LOGIN_MAX_FAILURES,
      loginMaxFailuresPerAddress: vars.LOGIN_MAX_FAILURES_PER_ADDRESS,
      loginFailureWindow: vars.LOGIN_FAILURE_WINDOW,
      inviteTtl: vars.INVITE_TTL,
    },
    logLevel: vars.LOG_LEVEL,
    worker: { concurrency: vars.WORKER_CONCURRENCY, shutdownTimeout: vars.WORKER_SHUTDOWN_TIMEOUT },
    health: { interval: vars.HEALTHCHECK_INTERVAL, retentionDays: vars.HEALTHCHECK_RETENTION_DAYS },
    scan: { maxUploadSize: vars.MAX_UPLOAD_SIZE, maxAttempts: vars.SCAN_MAX_ATTEMPTS },
    storage: {
      driver: vars.STORAGE_DRIVER as 'filesystem' | 's3',
      s3: {
        endpoint: vars.S3_ENDPOINT,
        region: vars.S3_REGION,
        bucket: vars.S3_BUCKET,
        accessKeyId: vars.S3_ACCESS_KEY_ID,
        secretAccessKey: vars.S3_SECRET_ACCESS_KEY,
        forcePathStyle: vars.S3_FORCE_PATH_STYLE,
      },
    },
    engine: {
      timeout: vars.ENGINE_TIMEOUT,
      maxInMemory: vars.ENGINE_MAX_IN_MEMORY,
      maxDepth: vars.ENGINE_MAX_DEPTH,
      maxFiles: vars.ENGINE_MAX_FILES,
      maxTotalBytes: vars.ENGINE_MAX_TOTAL_BYTES,
      maxFileBytes: vars.ENGINE_MAX_FILE_BYTES,
      maxCompressionRatio: vars.ENGINE_MAX_RATIO,
    },
    url: { maxRedirects: vars.URL_MAX_REDIRECTS, timeout: vars.URL_FETCH_TIMEOUT, maxBytes: vars.URL_MAX_BYTES, allowPrivate: vars.URL_ALLOW_PRIVATE },
    license: { publicKey: vars.LICENSE_PUBLIC_KEY, activationUrl: vars.LICENSE_ACTIVATION_URL, activationTimeout: vars.LICENSE_ACTIVATION_TIMEOUT },
    errors: { maxClientGroups: vars.ERRORS_MAX_CLIENT_GROUPS, clientRate: vars.ERRORS_CLIENT_RATE },
    logs: { retentionDays: vars.LOGS_RETENTION_DAYS },
    smtp: {
      host: vars.SMTP_HOST,
      port: vars.SMTP_PORT,
      secure: vars.SMTP_SECURE,
      requireTls: vars.SMTP_REQUIRE_TLS,
      tlsVerify: vars.SMTP_TLS_VERIFY,
      user: vars.SMTP_USER,
      password: vars.SMTP_PASSWORD,
      from: vars.SMTP_FROM,
      maxAttempts: vars.EMAIL_MAX_ATTEMPTS,
    },
    scanSources: {
      roots: (vars.SCAN_SOURCE_ROOTS ?? '').split(',').map((r) => r.trim()).filter(Boolean).map((r) => resolve(r)),
      maxFilesPerPoll: vars.SCAN_SOURCE_MAX_FILES,
      settleSeconds: vars.SCAN_SOURCE_SETTLE_SECONDS,
    },
    feeds: { settleSeconds: vars.FEED_SETTLE_SECONDS, baseUrl: vars.FEED_BASE_URL?.replace(/\/+$/, ''), yaraDays: vars.FEED_YARA_DAYS },
    exports: { chromiumPath: vars.CHROMIUM_PATH, renderTimeout: vars.EXPORT_RENDER_TIMEOUT },
  };
}

/** Injection token for the validated configuration. */
export const APP_CONFIG = Symbol('APP_CONFIG');
