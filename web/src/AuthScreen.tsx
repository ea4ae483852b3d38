// Sign-up and sign-in screens. Sign-up asks for the home jurisdiction up front because it decides
// where the person's data will live, so the form says so plainly.
import { useId, useState } from 'react';
import { api } from './api.js';
import { BrandMark } from './BrandMark.js';
import { FormError, useFormSubmit } from './forms.js';
import { ForeignHandlingPage } from './ForeignHandlingPage.js';
import { countryName } from './format.js';
import type { User } from './types.js';

interface AuthScreenProps {
  onAuthenticated: (user: User) => void;
}

const FOREIGN_HANDLING_HASH = '#where-data-is';

export function AuthScreen({ onAuthenticated }: AuthScreenProps) {
  const [mode, setMode] = useState<'signin' | 'signup'>('signin');
  const [publicPage, setPublicPage] = useState(() => location.hash === FOREIGN_HANDLING_HASH);
  if (publicPage) {
    return (
      <ForeignHandlingPage
        onBack={() => {
          if (location.hash === FOREIGN_HANDLING_HASH) history.replaceState(null, '', location.pathname + location.search);
          setPublicPage(false);
        }}
      />
    );
  }
  return (
    <main className="auth-page">
      <div className="auth-card">
        <div className="brand brand-large">
          <BrandMark />
          <span>Domicile</span>
        </div>
        <p className="auth-tagline">Messaging whose data stays in your home country.</p>
        {mode === 'signin' ? (
          <SignInForm onAuthenticated={onAuthenticated} />
        ) : (
          <SignUpForm onAuthenticated={onAuthenticated} />
        )}
        <p className="auth-switch">
          {mode === 'signin' ? 'New to Domicile?' : 'Already have an account?'}{' '}
          <button
            type="button"
            className="link-button"
            data-testid={mode === 'signin' ? 'show-signup' : 'show-signin'}
            onClick={() => setMode(mode === 'signin' ? 'signup' : 'signin')}
          >
            {mode === 'signin' ? 'Create an account' : 'Sign in'}
          </button>
        </p>
      </div>
      <footer className="auth-footer">
        <a
          href={FOREIGN_HANDLING_HASH}
          onClick={(e) => {
            e.preventDefault();
            history.replaceState(null, '', FOREIGN_HANDLING_HASH);
            setPublicPage(true);
          }}
          data-testid="open-foreign-handling"
        >
          Where data is stored and handled
        </a>
      </footer>
    </main>
  );
}

function SignInForm({ onAuthenticated }: AuthScreenProps) {
  const [login, setLogin] = useState('');
  const [password, setPassword] = useState('');
  const id = useId();
  const { busy, error, onSubmit } = useFormSubmit(async () => {
    const result = await api.signin(login.trim(), password);
    onAuthenticated(result.user);
  });

  return (
    <form className="form" onSubmit={onSubmit} data-testid="signin-form" aria-labelledby={`${id}-h`}>
      <h1 id={`${id}-h`}>Sign in</h1>
      <div className="field">
        <label htmlFor={`${id}-login`}>Handle, email or phone</label>
        <input
          id={`${id}-login`}
          name="login"
          autoComplete="username"
          required
          value={login}
          onChange={(e) => setLogin(e.target.value)}
          data-testid="signin-login"
        />
      </div>
      <div className="field">
        <label htmlFor={`${id}-password`}>Password</label>
        <input
          id={`${id}-password`}
          name="password"
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          data-testid="signin-password"
        />
      </div>
      <FormError error={error} />
      <button type="submit" className="button button-primary button-block" disabled={busy} data-testid="signin-submit">
        {busy ? 'Signing in…' : 'Sign in'}
      </button>
    </form>
  );
}

function SignUpForm({ onAuthenticated }: AuthScreenProps) {
  const [handle, setHandle] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [home, setHome] = useState<'JP' | 'KR'>('JP');
  const [contactKind, setContactKind] = useState<'email' | 'phone'>('email');
  const [contact, setContact] = useState('');
  const [password, setPassword] = useState('');
  const id = useId();
  const { busy, error, onSubmit } = useFormSubmit(async () => {
    const result = await api.signup({
      handle: handle.trim().replace(/^@+/, ''),
      displayName: displayName.trim(),
      home,
      password,
      ...(contactKind === 'email' ? { email: contact.trim() } : { phone: contact.trim() }),
    });
    onAuthenticated(result.user);
  });

  return (
    <form className="form" onSubmit={onSubmit} data-testid="signup-form" aria-labelledby={`${id}-h`}>
      <h1 id={`${id}-h`}>Create your account</h1>
      <div className="field">
        <label htmlFor={`${id}-handle`}>Handle</label>
        <div className="input-prefix">
          <span aria-hidden="true">@</span>
          <input
            id={`${id}-handle`}
            name="handle"
            autoComplete="username"
            autoCapitalize="none"
            spellCheck={false}
            required
            value={handle}
            onChange={(e) => setHandle(e.target.value)}
            minLength={3}
            maxLength={32}
            pattern="[A-Za-z][A-Za-z0-9\-]*"
            aria-describedby={`${id}-handle-hint`}
            data-testid="signup-handle"
          />
        </div>
        <p className="hint" id={`${id}-handle-hint`}>
          Others find you by this name: 3–32 letters, digits or hyphens, starting with a letter.
        </p>
      </div>
      <div className="field">
        <label htmlFor={`${id}-name`}>Display name</label>
        <input
          id={`${id}-name`}
          name="displayName"
          autoComplete="name"
          required
          value={displayName}
          onChange={(e) => setDisplayName(e.target.value)}
          data-testid="signup-display-name"
        />
      </div>
      <div className="field">
        <label htmlFor={`${id}-home`}>Home jurisdiction</label>
        <select
          id={`${id}-home`}
          name="home"
          value={home}
          onChange={(e) => setHome(e.target.value === 'KR' ? 'KR' : 'JP')}
          aria-describedby={`${id}-home-hint`}
          data-testid="signup-home"
        >
          <option value="JP">Japan (JP)</option>
          <option value="KR">South Korea (KR)</option>
        </select>
        <p className="hint" id={`${id}-home-hint`}>
          Your account is kept in {countryName(home)}. Every chat shows the country it is stored in.
        </p>
      </div>
      <fieldset className="field">
        <legend>Contact method</legend>
        <div className="segmented">
          <input
            type="radio"
            id={`${id}-ck-email`}
            name="contactKind"
            checked={contactKind === 'email'}
            onChange={() => setContactKind('email')}
          />
          <label htmlFor={`${id}-ck-email`}>Email</label>
          <input
            type="radio"
            id={`${id}-ck-phone`}
            name="contactKind"
            checked={contactKind === 'phone'}
            onChange={() => setContactKind('phone')}
            data-testid="signup-use-phone"
          />
          <label htmlFor={`${id}-ck-phone`}>Phone</label>
        </div>
      </fieldset>
      <div className="field">
        <label htmlFor={`${id}-contact`}>{contactKind === 'email' ? 'Email address' : 'Phone number'}</label>
        <input
          id={`${id}-contact`}
          name={contactKind}
          type={contactKind === 'email' ? 'email' : 'tel'}
          autoComplete={contactKind === 'email' ? 'email' : 'tel'}
          placeholder={contactKind === 'email' ? 'you@example.jp' : '+81 90 1234 5678'}
          required
          value={contact}
          onChange={(e) => setContact(e.target.value)}
          data-testid="signup-contact"
        />
      </div>
      <div className="field">
        <label htmlFor={`${id}-password`}>Password</label>
        <input
          id={`${id}-password`}
          name="password"
          type="password"
          autoComplete="new-password"
          required
          minLength={8}
          aria-describedby={`${id}-password-hint`}
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          data-testid="signup-password"
        />
        <p className="hint" id={`${id}-password-hint`}>
          At least 8 characters.
        </p>
      </div>
      <FormError error={error} />
      <button type="submit" className="button button-primary button-block" disabled={busy} data-testid="signup-submit">
        {busy ? 'Creating account…' : 'Create account'}
      </button>
    </form>
  );
}
