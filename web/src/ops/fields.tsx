// Form fields the console's panels share.
import { PURPOSES, type Purpose } from './types.js';

/** The purpose select: every access and grant names one of the fixed purpose codes. */
export function PurposeField({ id, value, onChange, testId }: { id: string; value: Purpose; onChange: (purpose: Purpose) => void; testId: string }) {
  return (
    <div className="ops-field">
      <label htmlFor={id}>Purpose</label>
      <select id={id} value={value} onChange={(e) => onChange(e.target.value as Purpose)} data-testid={testId}>
        {PURPOSES.map((p) => (
          <option key={p} value={p}>
            {p}
          </option>
        ))}
      </select>
    </div>
  );
}
