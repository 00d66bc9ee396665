import type { Problem } from './plan-types.js';
import { problemsAt } from './plan-types.js';

/** A text input with its validation messages right under it (errors red, warnings amber). */
export function Field({
  path,
  value,
  onChange,
  problems,
  placeholder,
  width,
  label,
}: {
  path: string;
  value: string;
  onChange: (v: string) => void;
  problems: Problem[];
  placeholder?: string;
  width?: number;
  label: string;
}) {
  const mine = problemsAt(problems, path);
  const hasError = mine.some((p) => p.severity === 'error');
  return (
    <div className="net-field">
      <input
        type="text"
        aria-label={label}
        data-testid={`field-${path}`}
        className={hasError ? 'invalid' : mine.length ? 'warned' : undefined}
        value={value}
        placeholder={placeholder}
        size={width}
        spellCheck={false}
        onChange={(e) => onChange(e.target.value)}
      />
      {mine.map((p, i) => (
        <div key={i} className={p.severity === 'error' ? 'field-error' : 'field-warning'} data-testid={`problem-${path}`}>
          {p.message}
        </div>
      ))}
    </div>
  );
}
