import type { Problem } from '@/lib/client/api';

/**
 * The form-level error, in a role="alert" element that exists only while there is an error, so
 * its appearance is announced. Field messages for fields the form does not show are added here.
 */
export function FormAlert({ problem, shownFields }: { problem: Problem | null; shownFields: readonly string[] }) {
  if (!problem) return null;
  const other = Object.entries(problem.fields)
    .filter(([field]) => !shownFields.includes(field))
    .flatMap(([, messages]) => messages);
  return (
    <div role="alert" className="form-alert">
      <p>{problem.message}</p>
      {other.length > 0 ? (
        <ul>
          {other.map((message) => (
            <li key={message}>{message}</li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
