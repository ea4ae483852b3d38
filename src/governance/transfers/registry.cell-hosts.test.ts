import { describe, expect, it } from 'vitest';
import { createRegistries, defaultRegistryFiles, loadRegistries, type RecipientsFile } from './registry.js';
import { readJsonFile } from './repo-files.js';
import { RegistryError } from './transfers.errors.js';

function withHosts(cellHosts: Record<string, string>): () => unknown {
  const files = defaultRegistryFiles();
  const recipients = { ...(readJsonFile(files.recipients) as RecipientsFile), cellHosts };
  return () => createRegistries({ jurisdictions: readJsonFile(files.jurisdictions), recipients });
}

describe('cell hosts', () => {
  it('names who receives data written into the cells of each country', () => {
    const registries = loadRegistries();
    expect(registries.cellHost('JP')?.id).toBe('nihon-talk');
    expect(registries.cellHost('KR')?.id).toBe('seoul-cloud');
    expect(registries.cellHost('CN')).toBeUndefined();
  });

  it('refuses a host that is unknown or does not handle data in that country', () => {
    expect(withHosts({ KR: 'nobody' })).toThrow(RegistryError);
    expect(withHosts({ KR: 'nihon-talk' })).toThrow(/does not handle data in KR/);
    expect(withHosts({ XX: 'nihon-talk' })).toThrow(/not in jurisdictions.json/);
  });
});
