/**
 * Check `config`: the profile validates. Always the first result, and the
 * only one when a source cannot be read at all, since nothing else can be
 * checked then.
 */
import { fromZod, type ConfigError } from '../../profiles/errors';
import { RunnableProfileSchema } from '../../profiles/schema';
import type { DoctorInputs } from '../inputs';
import type { DoctorCheck } from '../report';

const TITLE = 'Configuration is valid';

/** One problem reads "field: problem" (its fix goes on the fix line); several carry their own fixes. */
function problemLines(error: ConfigError): string {
  if (error.all.length === 1) return `${error.field}: ${error.problem}`;
  return error.all.map((e) => `${e.field}: ${e.problem}. ${e.fix}`).join('\n');
}

function invalid(error: ConfigError, detail: string): DoctorCheck {
  return {
    id: 'config',
    title: TITLE,
    status: 'fail',
    detail,
    why: 'The tunnel reads this configuration at start and refuses to run with an invalid one.',
    fix: error.all.length > 1 ? 'Fix each problem listed above' : error.fix,
  };
}

/** The result for a source that could not be read (it names the file the problem is in). */
export function configUnreadable(error: ConfigError): DoctorCheck {
  return invalid(error, problemLines(error) + (error.source ? `\n(in ${error.source})` : ''));
}

export function configuration({ raw, configSource, warnings, file, profileName }: DoctorInputs): DoctorCheck[] {
  const parsed = RunnableProfileSchema.safeParse(raw, { reportInput: true });
  if (!parsed.success) {
    const error = fromZod(parsed.error, configSource);
    return [invalid(error, problemLines(error))];
  }
  if (warnings.length > 0) {
    return [
      {
        id: 'config',
        title: TITLE,
        status: 'warn',
        detail: warnings.join('\n'),
        why: 'The configuration is accepted, but parts of it probably do not do what was meant.',
        fix: 'Follow the advice above each warning',
      },
    ];
  }
  return [{ id: 'config', title: TITLE, status: 'ok', detail: file ? `Profile "${profileName}" from ${file}` : `Profile "${profileName}"` }];
}
