import { describe, expect, it } from 'vitest';
import { blocksChanged, type OperatorEvent } from './operator.events.js';
import { createOperatorPresence, CUT_OFF_CLOSE_CODE, type LiveOperatorConnection } from './presence.js';

function connection(id: string, country: string | null, officeCountry = 'JP'): LiveOperatorConnection & { events: OperatorEvent[]; closed: number[] } {
  const events: OperatorEvent[] = [];
  const closed: number[] = [];
  return {
    id,
    operatorId: `op-${id}`,
    sessionId: `session-${id}`,
    country,
    officeCountry,
    employerCountry: officeCountry,
    events,
    closed,
    deliver: (event) => void events.push(event),
    close: (code) => void closed.push(code),
  };
}

describe('operator presence', () => {
  it('delivers each typed event to every live connection, and none to one that was cut off', () => {
    const presence = createOperatorPresence();
    const [tokyo, shanghai] = [connection('a', 'JP'), connection('b', 'CN', 'CN')];
    presence.add(tokyo);
    presence.add(shanghai);
    expect(presence.cutOff(new Set(['CN']), 'cut off')).toBe(1);
    expect(shanghai.closed).toEqual([CUT_OFF_CLOSE_CODE]);
    presence.broadcast(blocksChanged(['CN']));
    expect(tokyo.events).toEqual([{ type: 'blocks', blocked: ['CN'] }]);
    expect(shanghai.events).toEqual([]);
    expect(presence.count()).toBe(1);
  });
});
