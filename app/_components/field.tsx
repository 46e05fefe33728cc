import { useId, type InputHTMLAttributes } from 'react';

interface FieldProps extends Omit<InputHTMLAttributes<HTMLInputElement>, 'id' | 'aria-invalid' | 'aria-describedby'> {
  name: string;
  /** The accessible name, exactly as the contract spells it (tests find fields by label). */
  label: string;
  /** A short hint below the label, announced as the field's description. */
  hint?: string;
  /** Messages from the API's `fields` for this field, shown right under it. */
  errors?: string[];
}

/**
 * A labelled input whose hint and errors are tied to it with aria-describedby, and which reports
 * aria-invalid while it has errors, so a screen reader hears the problem on the field itself.
 */
export function Field({ label, hint, errors = [], className, ...input }: FieldProps) {
  const id = useId();
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = errors.length > 0 ? `${id}-error` : undefined;
  const describedBy = [errorId, hintId].filter(Boolean).join(' ') || undefined;
  return (
    <div className={className ? `field ${className}` : 'field'}>
      <label htmlFor={id}>{label}</label>
      <input id={id} aria-invalid={errorId ? true : undefined} aria-describedby={describedBy} {...input} />
      {errorId ? (
        <p id={errorId} className="field-error">
          {errors.join(' ')}
        </p>
      ) : null}
      {hint ? (
        <p id={hintId} className="field-hint">
          {hint}
        </p>
      ) : null}
    </div>
  );
}
