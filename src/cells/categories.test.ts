import { describe, expect, it } from 'vitest';
import {
  ancestorsOf,
  categories,
  categoryInfo,
  categoryNames,
  categoryTree,
  childrenOf,
  covers,
  descendantsOf,
  isCategory,
  renamedCategories,
  unknownCategoryMessage,
} from './categories.js';

// fideslang 3.1's default categories that Domicile uses, copied from its published taxonomy, so
// a typo in the list (or an "extension" that shadows a default) fails here.
const fideslangDefaults = [
  'user',
  'user.account',
  'user.account.username',
  'user.contact',
  'user.contact.email',
  'user.contact.phone_number',
  'user.content',
  'user.device',
  'user.device.ip_address',
  'user.financial',
  'user.financial.bank_account',
  'user.financial.credit_card',
  'user.privacy_preferences',
  'user.social',
];

describe('the category list', () => {
  it('marks exactly fideslang’s defaults as defaults, and every other entry as an extension with a description', () => {
    expect(categoryTree.filter((c) => c.isFideslangDefault).map((c) => c.name)).toEqual(fideslangDefaults);
    for (const c of categoryTree) expect(c.description.length, c.name).toBeGreaterThan(10);
  });

  it('is a tree: unique names, each parent listed before its children and named by the dot path', () => {
    expect(new Set(categoryNames).size).toBe(categoryNames.length);
    const seen = new Set<string>();
    for (const c of categoryTree) {
      if (c.parent === null) expect(c.name).toBe('user');
      else {
        expect(seen.has(c.parent), `${c.name} after its parent`).toBe(true);
        expect(c.name.startsWith(`${c.parent}.`)).toBe(true);
        expect(c.name.slice(c.parent.length + 1)).toMatch(/^[a-z_]+$/);
      }
      seen.add(c.name);
    }
  });

  it('hangs every extension under a fideslang default (directly or through other extensions)', () => {
    for (const c of categoryTree.filter((x) => !x.isFideslangDefault)) {
      expect(ancestorsOf(c.name).some((a) => categoryInfo(a)?.isFideslangDefault), c.name).toBe(true);
    }
  });

  it('names what code uses, in the list, with fideslang’s names', () => {
    for (const name of Object.values(categories)) expect(isCategory(name), name).toBe(true);
    expect(categories.phone).toBe('user.contact.phone_number');
    expect(categories.message).toBe('user.content.message');
    expect(categories.media).toBe('user.content.media');
  });

  it('maps every retired name to a category of the list, and keeps none of them in it', () => {
    for (const [old, now] of Object.entries(renamedCategories)) {
      expect(isCategory(old), old).toBe(false);
      expect(isCategory(now), now).toBe(true);
    }
  });
});

describe('category helpers', () => {
  it('isCategory knows the list and nothing else', () => {
    expect(isCategory('user.contact.phone_number')).toBe(true);
    expect(isCategory('user.contact.phone')).toBe(false);
    expect(isCategory('user.content.')).toBe(false);
    expect(isCategory('')).toBe(false);
    expect(isCategory(42)).toBe(false);
  });

  it('covers: a parent covers itself and its children, not its siblings or lookalikes', () => {
    expect(covers('user.contact', 'user.contact')).toBe(true);
    expect(covers('user.contact', 'user.contact.phone_number')).toBe(true);
    expect(covers('user', 'user.content.conversation.membership')).toBe(true);
    expect(covers('user.contact.phone_number', 'user.contact')).toBe(false);
    expect(covers('user.content.conversation', 'user.content.message')).toBe(false);
    // A prefix of the name is not a parent.
    expect(covers('user.content.med', 'user.content.media')).toBe(false);
    expect(covers('user.privacy', 'user.privacy_preferences.consent')).toBe(false);
  });

  it('childrenOf, descendantsOf and ancestorsOf walk the tree', () => {
    expect(childrenOf('user.contact')).toEqual(['user.contact.email', 'user.contact.phone_number']);
    expect(childrenOf('user.content')).toEqual(['user.content.conversation', 'user.content.message', 'user.content.media']);
    expect(childrenOf('user.content.media')).toEqual([]);
    expect(descendantsOf('user.content')).toEqual(['user.content.conversation', 'user.content.conversation.membership', 'user.content.message', 'user.content.media']);
    expect(ancestorsOf('user.content.conversation.membership')).toEqual(['user.content.conversation', 'user.content', 'user']);
    expect(ancestorsOf('user')).toEqual([]);
    expect(ancestorsOf('user.nothing')).toEqual([]);
    expect(childrenOf('user').length).toBeGreaterThan(5);
  });

  it('tells a person what to write instead of an unknown name', () => {
    expect(unknownCategoryMessage('user.privacy.consent')).toBe('no data category "user.privacy.consent": it is now called "user.privacy_preferences.consent" (fideslang\'s name)');
    expect(unknownCategoryMessage('user.photos')).toMatch(/^no data category "user\.photos"; name one of user, user\.account, /);
    expect(unknownCategoryMessage('x'.repeat(500)).length).toBeLessThan(1200);
  });
});
