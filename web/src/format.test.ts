import { describe, expect, it } from 'vitest';
import { aConversation, aUser } from '../../test/support/web.factories.js';
import { countryName, countryWithCode, fieldText, formatBytes, formatMoney, formatRelative, formatStamp, MASK_LABELS, nameInChat, originLabel, parseMoney, systemText } from './format.js';

describe('format', () => {
  it('names countries the same way in the chat app and the console', () => {
    expect(countryName('KR')).toBe('South Korea');
    expect(countryName('XX')).toBe('XX');
    expect(countryWithCode('JP')).toBe('Japan · JP');
    expect(countryWithCode('XX')).toBe('XX');
  });

  it('labels an operator’s origin, simulated ones as such', () => {
    expect(originLabel({ address: '1.2.4.8', country: 'CN', simulated: true })).toBe('Simulated from China · 1.2.4.8 (demo)');
    expect(originLabel({ address: '133.242.0.1', country: 'JP', simulated: false })).toBe('From Japan · 133.242.0.1');
    expect(originLabel({ address: null, country: null, simulated: false })).toBe('From an unknown country · unknown address');
  });

  it('formats sizes', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(40 * 1024)).toBe('40 KB');
    expect(formatBytes(2.5 * 1024 * 1024)).toBe('2.5 MB');
    expect(formatBytes(10 * 1024 * 1024)).toBe('10 MB');
  });

  it('formats stamps, relative times and released values', () => {
    expect(formatStamp(null)).toBe('—');
    expect(formatStamp('not a date')).toBe('not a date');
    const now = Date.parse('2026-01-01T12:00:00Z');
    expect(formatRelative('2026-01-01T12:14:00Z', now)).toBe('in 14 min');
    expect(formatRelative('2026-01-01T11:57:00Z', now)).toBe('3 min ago');
    expect(formatRelative('2026-01-01T15:00:00Z', now)).toBe('in 3 h');
    expect(fieldText(null)).toBe('—');
    expect(fieldText('•••• 5678')).toBe('•••• 5678');
    expect(fieldText('2026-01-01T12:00:00Z')).toBe(formatStamp('2026-01-01T12:00:00Z'));
    expect(fieldText({ a: 1 })).toBe('{"a":1}');
    expect(MASK_LABELS.last4).toBe('masked · last 4 only');
  });

  it('reads and shows money in minor units, never fractions of a yen or won', () => {
    expect(parseMoney('1,500', 'JPY')).toBe(1500);
    expect(parseMoney('1.5', 'JPY')).toBeNull();
    expect(parseMoney('0', 'KRW')).toBeNull();
    expect(parseMoney('-5', 'JPY')).toBeNull();
    expect(parseMoney('2.50', 'EUR')).toBe(250);
    expect(parseMoney('2.505', 'EUR')).toBeNull();
    expect(formatMoney(1500, 'JPY')).toMatch(/¥\s?1,500$/);
    expect(formatMoney(250, 'EUR')).toMatch(/€\s?2\.50$/);
  });

  it("names a chat's people: known users by name, the other person of a direct chat by its title until the members are read", () => {
    const users = { hanako: aUser(), ken: aUser({ id: 'ken', displayName: 'Ken Sato' }) };
    const direct = aConversation({ kind: 'direct', title: 'Daichi Ono' });
    const group = aConversation({ kind: 'group', title: 'Lunch' });
    expect(nameInChat('ken', users, direct, 'hanako')).toBe('Ken Sato');
    expect(nameInChat('daichi', users, direct, 'hanako')).toBe('Daichi Ono');
    expect(nameInChat('daichi', users, group, 'hanako')).toBeUndefined();
    expect(nameInChat('me', {}, direct, 'me')).toBeUndefined();
  });

  it('reads a system message with the names of the people it names, the reader as you', () => {
    const users = { hanako: aUser(), ken: aUser({ id: 'ken', displayName: 'Ken Sato' }) };
    const group = aConversation({ kind: 'group', title: 'Lunch' });
    expect(systemText({ text: 'hanako added ken', senderId: 'hanako' }, users, group, 'ken')).toBe('Hanako Yamada added you');
    expect(systemText({ text: 'ken added mika', senderId: 'ken' }, users, group, 'ken')).toBe('You added mika');
    // A direct chat's other person before its members are read: the sender, by the chat's title; no other word is taken for an id.
    const direct = aConversation({ kind: 'direct', title: 'Daichi Ono' });
    expect(systemText({ text: 'daichi started the conversation', senderId: 'daichi' }, {}, direct, 'hanako')).toBe('Daichi Ono started the conversation');
  });
});
