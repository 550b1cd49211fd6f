/**
 * The two ways our end systems authenticate: a bearer token (AWX, TFE) and a log-in session
 * (vCenter, ACI). Sessions live only inside the worker's client: a session id never passes
 * through an activity's input or output, so it never reaches workflow history.
 */
import type { Authenticator } from './http-client';

/** Where a bearer token comes from; re-read after a refusal, so a rotated token is picked up. */
export type TokenSource = () => string | Promise<string>;

/** `Authorization: Bearer <token>` from a token source. */
export class BearerTokenAuth implements Authenticator {
  private token: string | undefined;

  constructor(private readonly source: TokenSource) {}

  async headers(): Promise<Record<string, string>> {
    this.token ??= await this.source();
    return { authorization: `Bearer ${this.token}` };
  }

  async reauthenticate(): Promise<void> {
    this.token = await this.source();
  }

  secrets(): string[] {
    return this.token ? [this.token] : [];
  }
}

/**
 * A log-in session shared by all activities of one worker. `login` returns the new session's
 * headers and secret; concurrent refusals of the same session trigger one log-in, not many.
 */
export abstract class SessionAuth<Session extends { secret: string }> implements Authenticator {
  protected session: Session | undefined;
  private pending: Promise<Session> | undefined;

  /** Logs in and returns the new session. */
  protected abstract login(signal: AbortSignal): Promise<Session>;
  /** The headers that carry `session`. */
  protected abstract sessionHeaders(session: Session): Record<string, string>;
  /** The secrets besides the session's own (the password). */
  protected abstract staticSecrets(): string[];

  /** A session that is still usable, renewing it first when it is about to lapse. */
  protected async current(signal: AbortSignal): Promise<Session> {
    if (this.session) return this.session;
    return this.loginOnce(signal);
  }

  protected loginOnce(signal: AbortSignal): Promise<Session> {
    this.pending ??= this.login(signal)
      .then((s) => {
        this.session = s;
        return s;
      })
      .finally(() => {
        this.pending = undefined;
      });
    return this.pending;
  }

  async headers(signal: AbortSignal): Promise<Record<string, string>> {
    return this.sessionHeaders(await this.current(signal));
  }

  async reauthenticate(signal: AbortSignal, refused: Record<string, string>): Promise<void> {
    const now = this.session && this.sessionHeaders(this.session);
    // Another caller already replaced the refused session: use theirs.
    if (now && JSON.stringify(now) !== JSON.stringify(refused)) return;
    this.session = undefined;
    await this.loginOnce(signal);
  }

  secrets(): string[] {
    return [...this.staticSecrets(), ...(this.session ? [this.session.secret] : [])];
  }
}
