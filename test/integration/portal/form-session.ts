/**
 * A portal session without a browser: pages read and forms sent with the session's cookies, the
 * way a cookie-jar HTTP client does, after signing in with a token through the sign-in form.
 */
export async function portalSession(baseUrl: string, token: string) {
  const cookies = new Map<string, string>();
  const send = async (path: string, form?: Record<string, string>) => {
    const res = await fetch(`${baseUrl}${path}`, {
      method: form ? 'POST' : 'GET',
      redirect: 'manual',
      headers: {
        cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; '),
        ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      ...(form ? { body: new URLSearchParams(form).toString() } : {}),
    });
    for (const c of res.headers.getSetCookie()) {
      const [k, v] = c.split(';')[0]!.split('=');
      cookies.set(k!, v!);
    }
    return { status: res.status, location: res.headers.get('location'), text: await res.text() };
  };
  /** The value of a page's form field `name` (the CSRF token, an idempotency key). */
  const field = (page: string, name: string) => new RegExp(`name="${name}" value="([^"]*)"`).exec(page)![1]!;
  const signIn = await send('/signin');
  await send('/signin', { _csrf: field(signIn.text, '_csrf'), next: '', token });
  return { send, field };
}
