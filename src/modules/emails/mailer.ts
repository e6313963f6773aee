import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { createTransport, Transporter } from 'nodemailer';
import { APP_CONFIG, AppConfig } from '../../config/app-config';

export interface OutgoingMessage {
  to: { name: string; address: string };
  subject: string;
  text: string;
  html: string;
}

/** Why a send failed, and whether trying again could help (SMTP 5xx answers are final). */
export class SendFailure extends Error {
  constructor(
    message: string,
    readonly permanent: boolean,
  ) {
    super(message);
  }
}

/** The SMTP connection (nodemailer) built from the SMTP_* settings; the password stays inside it. */
@Injectable()
export class Mailer implements OnModuleDestroy {
  private transport?: Transporter;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  /** False without SMTP_HOST: e-mail is switched off. */
  get enabled(): boolean {
    return !!this.config.smtp.host;
  }

  async send(message: OutgoingMessage): Promise<void> {
    try {
      await this.connection().sendMail({ from: this.config.smtp.from, to: message.to, subject: message.subject, text: message.text, html: message.html });
    } catch (err) {
      throw this.failure(err);
    }
  }

  onModuleDestroy(): void {
    this.transport?.close();
  }

  private connection(): Transporter {
    const smtp = this.config.smtp;
    if (!smtp.host) throw new SendFailure('e-mail is disabled (SMTP_HOST is not set)', false);
    this.transport ??= createTransport({
      host: smtp.host,
      port: smtp.port,
      secure: smtp.secure,
      requireTLS: smtp.requireTls,
      auth: smtp.user ? { user: smtp.user, pass: smtp.password ?? '' } : undefined,
      tls: { rejectUnauthorized: smtp.tlsVerify },
      connectionTimeout: 15_000,
      greetingTimeout: 15_000,
      socketTimeout: 60_000,
      // nodemailer's own logging could print the AUTH exchange: keep it off.
      logger: false,
      debug: false,
    });
    return this.transport;
  }

  private failure(err: unknown): SendFailure {
    const e = err as { message?: string; responseCode?: number; code?: string };
    let reason = String(e?.message ?? err).replace(/\s+/g, ' ').trim();
    const password = this.config.smtp.password;
    if (password) reason = reason.split(password).join('[redacted]');
    if (e?.code && !reason.includes(e.code)) reason = `${e.code}: ${reason}`;
    const permanent = typeof e?.responseCode === 'number' && e.responseCode >= 500 && e.responseCode < 600;
    return new SendFailure(reason.slice(0, 1000), permanent);
  }
}
