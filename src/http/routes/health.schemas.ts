// Response shape of the liveness route.
import { Type } from '@sinclair/typebox';
import { CountryCode } from '../schemas.js';

export const Health = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('degraded')]),
  node: Type.String({ description: 'the Node.js version serving, e.g. v24.11.0' }),
  cells: Type.Array(Type.Object({ id: Type.String(), jurisdiction: CountryCode, status: Type.Union([Type.Literal('ok'), Type.Literal('down')]) })),
});
