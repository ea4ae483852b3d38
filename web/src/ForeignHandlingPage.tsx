// Public page "Where data is stored and handled" (no sign-in): for each home jurisdiction, the
// statement sentence, and per data category the countries where it is stored, from which it was
// accessed, to which it was sent and from which it was moved home (a region migration), computed by
// the server from recorded state, the transfer records and the logs.
import { api } from './api.js';
import { Brand } from './BrandMark.js';
import { categoryLabel, countryName, formatFull } from './format.js';
import type { ForeignHandling, ForeignHandlingJurisdiction } from './types.js';
import { useLoad } from './useLoad.js';

export function ForeignHandlingPage({ onBack }: { onBack: () => void }) {
  const { data, error, reload } = useLoad<ForeignHandling>(() => api.foreignHandling());

  return (
    <main className="public-page" data-testid="foreign-handling-page">
      <header className="public-header">
        <Brand />
        <button type="button" className="button button-quiet" onClick={onBack} data-testid="back-to-signin">
          Back to sign in
        </button>
      </header>
      <h1>Where data is stored and handled</h1>
      <p className="privacy-lead">
        For the people of each home country: where each kind of their personal data is stored, from which countries it
        was accessed by staff or contractors, to which countries it was sent, and from which it was moved back home.
        Computed from the placement rules, the stored records, the transfer records and the access logs — not written by
        hand.
      </p>
      {error && (
        <div className="banner banner-error" role="alert">
          <span>{error}</span>
          <button type="button" className="link-button" onClick={reload}>
            Retry
          </button>
        </div>
      )}
      {!data && !error && <p className="muted">Loading…</p>}
      {data && (
        <>
          <p className="muted small">
            Period: {formatFull(data.window.from)} – {formatFull(data.window.to)} (last {data.window.months} months).
          </p>
          {data.jurisdictions.map((j) => (
            <JurisdictionBlock key={j.home} j={j} />
          ))}
          <p className="muted small">Sources: {data.sources.join('; ')}. Generated {formatFull(data.generatedAt)}.</p>
        </>
      )}
    </main>
  );
}

function Countries({ codes, home, testId }: { codes: readonly string[]; home: string; testId: string }) {
  if (codes.length === 0) return <span className="muted">—</span>;
  return (
    <>
      {codes.map((c) => (
        <span key={c} className={c === home ? 'country-chip' : 'country-chip is-abroad'} data-testid={testId}>
          {countryName(c)} · {c}
        </span>
      ))}
    </>
  );
}

function JurisdictionBlock({ j }: { j: ForeignHandlingJurisdiction }) {
  return (
    <section className="fh-jurisdiction" data-testid="fh-jurisdiction" data-home={j.home} aria-labelledby={`fh-${j.home}`}>
      <h2 id={`fh-${j.home}`}>
        Users in {j.name} · {j.home}
      </h2>
      <p className={j.onlyHome ? 'fh-statement is-home' : 'fh-statement is-abroad'} data-testid="fh-statement">
        {j.statement}
      </p>
      {j.accessesFromUnknownCountry > 0 && (
        <p className="form-error">{j.accessesFromUnknownCountry} accesses came from a country that could not be determined.</p>
      )}
      <table className="data-table">
        <thead>
          <tr>
            <th scope="col">Kind of data</th>
            <th scope="col">Stored in</th>
            <th scope="col">Accessed from</th>
            <th scope="col">Sent to</th>
            <th scope="col">Moved home from</th>
          </tr>
        </thead>
        <tbody>
          {j.categories.map((c) => (
            <tr key={c.category} data-testid="fh-category" data-category={c.category}>
              <td>
                {categoryLabel(c.category)}
                <span className="muted small mono block">{c.category}</span>
              </td>
              <td>
                <Countries codes={c.storedIn} home={j.home} testId="fh-stored" />
              </td>
              <td>
                <Countries codes={c.accessedFrom} home={j.home} testId="fh-accessed" />
              </td>
              <td>
                <Countries codes={c.transferredTo} home={j.home} testId="fh-sent" />
              </td>
              <td>
                <Countries codes={c.returnedFrom} home={j.home} testId="fh-returned" />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
