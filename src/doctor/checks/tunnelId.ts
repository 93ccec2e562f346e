/** Check `tunnel-id`: a tunnel id is set and has the form the control plane routes by. */
import { TUNNEL_ID_PATTERN } from '../../protocol/wire';
import { at, type DoctorInputs } from '../inputs';
import type { DoctorCheck } from '../report';

const WHY = 'The control plane routes work by tunnel id; a wrong id fails every poll with 404.';

/** What is wrong with a tunnel id that does not match the pattern, in words. */
function tunnelIdProblem(id: string): string {
  if (/^sk-/.test(id)) return 'looks like an API key, not a tunnel id';
  if (!id.startsWith('tunnel_')) return 'does not start with tunnel_';
  const rest = id.slice('tunnel_'.length);
  if (rest.length !== 32) return `has ${rest.length} characters after tunnel_, not 32`;
  if (/[A-Z]/.test(rest)) return 'contains uppercase letters';
  return 'contains characters other than a-z and 0-9';
}

export function tunnelId({ raw, describeField, howToSet }: DoctorInputs): DoctorCheck[] {
  const id = at(raw, ['controlPlane', 'tunnelId']);
  if (id === undefined) {
    return [{ id: 'tunnel-id', title: 'Tunnel id', status: 'fail', detail: 'No tunnel id is configured', why: WHY, fix: howToSet(['controlPlane', 'tunnelId']) }];
  }
  if (typeof id !== 'string' || !TUNNEL_ID_PATTERN.test(id)) {
    return [
      {
        id: 'tunnel-id',
        title: 'Tunnel id',
        status: 'fail',
        detail: `${describeField(['controlPlane', 'tunnelId'])} ${typeof id === 'string' ? tunnelIdProblem(id) : 'is not text'}`,
        why: WHY,
        fix: 'Copy the tunnel id from the Platform tunnel settings: tunnel_ followed by 32 lowercase letters or digits',
      },
    ];
  }
  return [{ id: 'tunnel-id', title: 'Tunnel id', status: 'ok', detail: id }];
}
