// Form helpers shared by the screens: a submit handler that tracks busy and the error message,
// and the error line shown under a form.
import { useState, type FormEvent } from 'react';
import { errorMessage } from './http.js';

export interface FormSubmit {
  busy: boolean;
  error: string | null;
  onSubmit: (e: FormEvent) => void;
}

/**
 * Runs `action` on submit: busy while it runs; if it fails, its message becomes `error` and the
 * form is usable again. After a success the form stays busy, as the screen moves on.
 */
export function useFormSubmit(action: () => Promise<void>): FormSubmit {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await action();
    } catch (err) {
      setError(errorMessage(err));
      setBusy(false);
    }
  }

  return { busy, error, onSubmit: (e) => void submit(e) };
}

/** The error line of a form, when there is an error. */
export function FormError({ error, testId = 'form-error', className }: { error: string | null | undefined; testId?: string; className?: string }) {
  if (!error) return null;
  return (
    <p className={className ? `form-error ${className}` : 'form-error'} role="alert" data-testid={testId}>
      {error}
    </p>
  );
}
