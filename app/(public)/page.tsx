import Link from 'next/link';

export default function HomePage() {
  return (
    <div className="stack-large">
      <section className="hero">
        <h1>Token Auth</h1>
        <p className="lead">
          Sign-in for the Next.js App Router with short-lived access tokens and rotating refresh tokens, both in HttpOnly
          cookies. When the access token expires, the edge middleware refreshes the session silently: you stay signed in and
          never see the sign-in page again until the session really ends.
        </p>
        <div className="actions">
          <Link className="button button-primary" href="/register">
            Create an account
          </Link>
          <Link className="button" href="/login">
            Sign in
          </Link>
        </div>
      </section>

      <section className="features" aria-label="How it works">
        <article className="panel">
          <h2>Access tokens</h2>
          <p>Signed JWTs that live for minutes, verified at the edge on every protected request.</p>
        </article>
        <article className="panel">
          <h2>Refresh tokens</h2>
          <p>Opaque, rotated on every use; presenting an old one again ends the whole session.</p>
        </article>
        <article className="panel">
          <h2>Your dashboard</h2>
          <p>
            Once signed in, the <Link href="/dashboard">dashboard</Link> shows your account and this session.
          </p>
        </article>
      </section>
    </div>
  );
}
